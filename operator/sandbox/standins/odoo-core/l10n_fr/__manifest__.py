{
    'name': 'France - Accounting',
    'version': '2.1',
    'summary': 'French accounting chart',
    'author': 'Odoo S.A.',
    'depends': ['account'],
    'data': [],
    'installable': True,
    'license': 'LGPL-3',
}
