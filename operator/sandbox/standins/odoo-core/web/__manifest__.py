{
    'name': 'Web',
    'version': '1.0',
    'summary': 'Odoo Web core module',
    'author': 'Odoo S.A.',
    'depends': ['base'],
    'data': [],
    'installable': True,
    'auto_install': True,
    'license': 'LGPL-3',
}
