{
    'name': 'Sales',
    'version': '1.2',
    'summary': 'Sales internal machinery',
    'author': 'Odoo S.A.',
    'depends': ['account'],
    'data': [],
    'installable': True,
    'license': 'LGPL-3',
}
