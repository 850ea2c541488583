{
    'name': 'Employees',
    'version': '1.1',
    'summary': 'Centralize employee information',
    'author': 'Odoo S.A.',
    'depends': ['mail'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
