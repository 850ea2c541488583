{
    'name': 'Invoicing',
    'version': '1.2',
    'summary': 'Invoices & Payments',
    'author': 'Odoo S.A.',
    'depends': ['product'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
