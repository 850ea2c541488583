{
    'name': 'Website',
    'version': '1.0',
    'summary': 'Enterprise website builder',
    'author': 'Odoo S.A.',
    'depends': ['web', 'mail'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
