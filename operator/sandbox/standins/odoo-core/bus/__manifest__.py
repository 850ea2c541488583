{
    'name': 'IM Bus',
    'version': '1.0',
    'summary': 'Instant messaging bus',
    'author': 'Odoo S.A.',
    'depends': ['base', 'web'],
    'data': [],
    'installable': True,
    'auto_install': True,
    'license': 'LGPL-3',
}
