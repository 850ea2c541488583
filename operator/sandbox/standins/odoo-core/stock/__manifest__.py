{
    'name': 'Inventory',
    'version': '1.1',
    'summary': 'Manage your stock and logistics activities',
    'author': 'Odoo S.A.',
    'depends': ['product'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
