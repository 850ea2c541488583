#!/usr/bin/env python3
"""What an Odoo module's Python code declares: models and their stored fields.

The odoo stand-in runs no module code, but real Odoo's schema follows the code: `-i`/`-u`
create the columns of the fields a module declares, and a server whose code declares a
field the database lacks fails every request reading that model (UndefinedColumn). This
reads the code the way Python would import it — from the module's __init__.py, following
its relative imports — and finds, with `ast` (nothing is executed):

    class ResPartner(models.Model):
        _inherit = 'res.partner'
        x_code = fields.Char()

Output (`python3 odoo_fields.py DIR...`, one module directory per argument), JSON:
    {"<module>": {"res.partner": {"table": "res_partner", "new": false,
                                  "fields": {"x_code": "varchar"}}}}
Used by the odoo stand-in at -i/-u (columns to create) and by httpd.py when it loads its
registry (columns its requests read).
"""
import ast
import json
import os
import sys

# Column types of stored fields (odoo/fields.py column_type); None: no column of its own.
COLUMN_TYPES = {
    'Char': 'varchar', 'Text': 'text', 'Html': 'text', 'Integer': 'int4', 'Float': 'float8',
    'Monetary': 'numeric', 'Boolean': 'bool', 'Date': 'date', 'Datetime': 'timestamp',
    'Many2one': 'int4', 'Many2oneReference': 'int4', 'Selection': 'varchar', 'Reference': 'varchar',
    'Json': 'jsonb', 'Properties': 'jsonb', 'PropertiesDefinition': 'jsonb',
    'Binary': None, 'Image': None, 'One2many': None, 'Many2many': None,
}


def _const(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def _kw(call, name):
    for k in call.keywords:
        if k.arg == name:
            return _const(k.value)
    return None


def _has_kw(call, name):
    return any(k.arg == name for k in call.keywords)


def field_column(call):
    """Column type of `fields.X(...)`, or None when the field has no column."""
    f = call.func
    if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == 'fields'):
        return None
    kind = f.attr
    if kind not in COLUMN_TYPES:
        return None
    stored = _kw(call, 'store')
    if (_has_kw(call, 'compute') or _has_kw(call, 'related')) and stored is not True:
        return None
    if kind in ('Binary', 'Image'):
        return 'bytea' if _kw(call, 'attachment') is False else None
    col = COLUMN_TYPES[kind]
    if kind in ('Char', 'Text', 'Html') and _kw(call, 'translate'):
        col = 'jsonb'
    if kind == 'Float' and _has_kw(call, 'digits'):
        col = 'numeric'
    return col


def models_of_class(cls):
    """(model, info) declared by one class body, or None."""
    attrs = {}
    fields = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name in ('_name', '_inherit', '_table', '_auto'):
                attrs[name] = _const(stmt.value)
            elif isinstance(stmt.value, ast.Call):
                col = field_column(stmt.value)
                if col:
                    fields[name] = col
    inherit = attrs.get('_inherit')
    parents = [inherit] if isinstance(inherit, str) else list(inherit or [])
    model = attrs.get('_name') or (parents[0] if len(parents) == 1 else None)
    if not isinstance(model, str):
        return None
    bases = {b.attr if isinstance(b, ast.Attribute) else getattr(b, 'id', '') for b in cls.bases}
    new = bool(attrs.get('_name')) and attrs.get('_name') not in parents
    if new and ('AbstractModel' in bases or attrs.get('_auto') is False):
        return None  # no table of its own
    table = attrs.get('_table') or model.replace('.', '_')
    return model, {'table': table, 'new': new, 'fields': fields}


def _imported_files(pkg_dir, tree):
    """Files a module file imports relatively (from . import x / from .x import y)."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        base = os.path.join(pkg_dir, *(node.module.split('.') if node.module else []))
        targets = [base] if node.module else []
        targets += [os.path.join(base, a.name) for a in node.names]
        for t in targets:
            if os.path.isfile(os.path.join(t, '__init__.py')):
                out.append(os.path.join(t, '__init__.py'))
            elif os.path.isfile(t + '.py'):
                out.append(t + '.py')
    return out


def module_models(module_dir):
    """{model: {table, new, fields}} declared by the code `import <module>` would load."""
    result = {}
    todo = [os.path.join(module_dir, '__init__.py')]
    seen = set()
    while todo:
        path = todo.pop()
        if path in seen or not os.path.isfile(path):
            continue
        seen.add(path)
        with open(path, encoding='utf-8') as fh:
            tree = ast.parse(fh.read(), path)  # SyntaxError: Odoo's import of the module fails too
        todo.extend(_imported_files(os.path.dirname(path), tree))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                found = models_of_class(node)
                if found:
                    model, info = found
                    cur = result.setdefault(model, {'table': info['table'], 'new': False, 'fields': {}})
                    cur['new'] = cur['new'] or info['new']
                    cur['fields'].update(info['fields'])
    return result


def main(argv):
    out = {}
    for d in argv:
        try:
            out[os.path.basename(os.path.normpath(d))] = module_models(d)
        except SyntaxError as e:
            # Reported as Odoo would when importing the module: one line the caller shows.
            sys.stderr.write('SyntaxError: %s (%s, line %s)\n' % (e.msg, e.filename, e.lineno))
            return 3
    sys.stdout.write(json.dumps(out, sort_keys=True) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
