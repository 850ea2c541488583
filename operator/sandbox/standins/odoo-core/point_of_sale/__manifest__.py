{
    'name': 'Point of Sale',
    'version': '1.0.1',
    'summary': 'User-friendly PoS interface for shops and restaurants',
    'author': 'Odoo S.A.',
    'depends': ['stock', 'account'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
