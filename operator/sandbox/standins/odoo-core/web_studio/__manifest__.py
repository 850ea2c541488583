# Enterprise module stub: its code is not part of Odoo Community, so the module
# list holds it as 'uninstallable' (what real community databases show).
{
    'name': 'Studio',
    'version': '1.0',
    'summary': 'Create and customize your Odoo apps',
    'author': 'Odoo S.A.',
    'depends': ['web', 'mail'],
    'installable': False,
    'license': 'OEEL-1',
}
