{
    'name': 'Contacts',
    'version': '1.0',
    'summary': 'Centralize your address book',
    'author': 'Odoo S.A.',
    'depends': ['mail'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
