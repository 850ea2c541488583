{
    'name': 'Purchase',
    'version': '1.2',
    'summary': 'Purchase orders, tenders and agreements',
    'author': 'Odoo S.A.',
    'depends': ['account'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
