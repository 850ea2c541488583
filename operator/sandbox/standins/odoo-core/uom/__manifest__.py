{
    'name': 'Units of measure',
    'version': '1.0',
    'summary': 'Units of measure',
    'author': 'Odoo S.A.',
    'depends': ['base'],
    'data': [],
    'installable': True,
    'license': 'LGPL-3',
}
