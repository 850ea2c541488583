{
    'name': 'Project',
    'version': '1.3',
    'summary': 'Organize and plan your projects',
    'author': 'Odoo S.A.',
    'depends': ['mail'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
