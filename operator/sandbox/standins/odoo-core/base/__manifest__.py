# Stand-in of Odoo's core module manifest (only what odoops' stand-in reads).
{
    'name': 'Base',
    'version': '1.3',
    'category': 'Hidden',
    'summary': 'The kernel of Odoo, needed for all installation.',
    'author': 'Odoo S.A.',
    'depends': [],
    'data': [],
    'installable': True,
    'auto_install': True,
    'license': 'LGPL-3',
}
