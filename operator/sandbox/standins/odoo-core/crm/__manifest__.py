{
    'name': 'CRM',
    'version': '1.8',
    'summary': 'Track leads and close opportunities',
    'author': 'Odoo S.A.',
    'depends': ['mail', 'contacts'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
