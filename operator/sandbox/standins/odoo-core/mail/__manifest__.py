{
    'name': 'Discuss',
    'version': '1.15',
    'summary': 'Chat, mail gateway and private channels',
    'author': 'Odoo S.A.',
    'depends': ['base', 'bus', 'web'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
