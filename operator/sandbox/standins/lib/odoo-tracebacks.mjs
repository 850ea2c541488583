// The frames of real Odoo 17.0's tracebacks where the odoo stand-in raises the same errors
// (copied from real output, Python 3.11 format with source and caret lines). Their length
// matters: a failed `-i` prints about 4 kB after its ERROR line, so a short kept tail of
// the output holds only the last traceback and the shutdown lines, as with real Odoo.
const ODOO = '/usr/lib/python3/dist-packages/odoo';
const frame = (file, line, fn, ...code) => [`"${file}", line ${line}, in ${fn}`, ...code.map((c) => `    ${c}`)].join('\n');

export const REGISTRY_NEW = [
  frame(`${ODOO}/modules/registry.py`, 113, 'new', 'odoo.modules.load_modules(registry, force_demo, status, update_module)'),
];

export const PRELOAD = [
  frame(`${ODOO}/service/server.py`, 1313, 'preload_registries', 'registry = Registry.new(dbname, update_module=update_module)',
    '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^'),
  frame('/usr/lib/python3/dist-packages/decorator.py', 232, 'fun', 'return caller(func, *(extras + args), **kw)',
    '       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^'),
  frame(`${ODOO}/tools/func.py`, 87, 'locked', 'return func(inst, *args, **kwargs)', '       ^^^^^^^^^^^^^^^^^^^^^^^^^^^'),
  ...REGISTRY_NEW,
];

const MARKED = [
  frame(`${ODOO}/modules/loading.py`, 480, 'load_modules', 'processed_modules += load_marked_modules(env, graph,',
    '                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^'),
  frame(`${ODOO}/modules/loading.py`, 364, 'load_marked_modules', 'loaded, processed = load_module_graph(',
    '                    ^^^^^^^^^^^^^^^^^^'),
];

/** A data file listed in a manifest is missing (load_data -> file_path). */
export const LOAD_DATA = [
  ...MARKED,
  frame(`${ODOO}/modules/loading.py`, 227, 'load_module_graph', "load_data(env, idref, mode, kind='data', package=package)"),
  frame(`${ODOO}/modules/loading.py`, 71, 'load_data', 'tools.convert_file(env, package.name, filename, idref, mode, noupdate, kind)'),
  frame(`${ODOO}/tools/convert.py`, 621, 'convert_file', "with file_open(pathname, 'rb') as fp:", '     ^^^^^^^^^^^^^^^^^^^^^^^^^'),
  frame(`${ODOO}/tools/misc.py`, 214, 'file_open', 'path = file_path(name, filter_ext=filter_ext, env=env)',
    '       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^'),
  frame(`${ODOO}/tools/misc.py`, 193, 'file_path', 'raise FileNotFoundError("File not found: " + file_path)'),
];

/** The module's Python code cannot be imported (load_openerp_module). */
export const IMPORT_MODULE = [
  ...MARKED,
  frame(`${ODOO}/modules/loading.py`, 185, 'load_module_graph', 'load_openerp_module(package.name)'),
  frame(`${ODOO}/modules/module.py`, 395, 'load_openerp_module', "__import__(qualname)"),
];

/** button_install / button_upgrade refusing (UserError) during load_modules' STEP 2. */
export const MARK_MODULES = [
  frame(`${ODOO}/modules/loading.py`, 443, 'load_modules', 'modules.button_install()'),
  frame(`${ODOO}/addons/base/models/ir_module.py`, 408, 'button_install', "modules._state_update('to install', ['uninstalled'])"),
  frame(`${ODOO}/addons/base/models/ir_module.py`, 375, '_state_update',
    "raise UserError(_(\"You try to install module %r that depends on module %r.\\nBut the latter module is not available in your system.\", module.name, dep.name))"),
];

/** Adaptation of a manifest version refused (adapt_version). */
export const ADAPT_VERSION = [
  ...MARKED,
  frame(`${ODOO}/modules/loading.py`, 296, 'load_module_graph', "ver = adapt_version(package.data['version'])"),
  frame(`${ODOO}/modules/module.py`, 456, 'adapt_version', 'raise ValueError(f"Invalid version {base_version!r}. Modules should have a version in format `x.y`, `x.y.z`,"'),
];

export const DB_CONNECT = [
  frame(`${ODOO}/sql_db.py`, 681, 'borrow', 'result = psycopg2.connect(', '         ^^^^^^^^^^^^^^^^^'),
  frame('/usr/lib/python3/dist-packages/psycopg2/__init__.py', 122, 'connect', 'conn = _connect(dsn, connection_factory=connection_factory, **kwasync)',
    '       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^'),
];
