{
    'name': 'Sales',
    'version': '1.0',
    'summary': 'From quotations to invoices',
    'author': 'Odoo S.A.',
    'depends': ['sale'],
    'data': [],
    'installable': True,
    'application': True,
    'license': 'LGPL-3',
}
