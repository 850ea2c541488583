{
    'name': 'Products & Pricelists',
    'version': '1.2',
    'summary': 'Products and pricelists',
    'author': 'Odoo S.A.',
    'depends': ['base', 'mail', 'uom'],
    'data': [],
    'installable': True,
    'license': 'LGPL-3',
}
