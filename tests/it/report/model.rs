//! The report data and the templates cannot drift apart silently. The data's shape (every key
//! path with its JSON types, not its values) is pinned by a snapshot, so a change to the model
//! shows in review; and every field the templates read from the data is checked to exist in it,
//! by reading the templates' syntax trees (with Typst's own parser) and following the names the
//! data is bound to: `let`, `for`, closures in `.map(..)`, and the parameters of the templates'
//! own functions at each call.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;
use typst::syntax::ast::{self, AstNode};
use typst::syntax::{Source, SyntaxNode};

use crate::util::command;

/// Key path (`training.organisations[].now.percent`) -> the JSON types found there.
type Shape = BTreeMap<String, BTreeSet<&'static str>>;

/// The data of the sample data's report after one nightly refresh, so that every list the
/// templates read (the refresh history too) has entries.
fn data() -> &'static Value {
    static DATA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("safeguard-model-")
            .tempdir()
            .unwrap();
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        std::fs::write(
            dir.path().join("safeguard.toml"),
            format!(
                "input = {:?}\nwarehouse = \"warehouse\"\nreport_dir = \"reports\"\n\
                 year = \"2025/26\"\n\n[report]\nboard_meeting_date = \"2026-05-21\"\n\n\
                 [refresh]\nsettle_seconds = 0\n",
                sample.to_str().unwrap()
            ),
        )
        .unwrap();
        let refresh = command(dir.path())
            .args(["-q", "refresh"])
            .output()
            .unwrap();
        assert!(refresh.status.success(), "{refresh:?}");
        let report = command(dir.path())
            .args(["-q", "report", "-o", "r.pdf", "--data-json", "data.json"])
            .output()
            .unwrap();
        assert!(report.status.success(), "{report:?}");
        let text = std::fs::read_to_string(dir.path().join("data.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Every key path of `value` below `path`, with the types of the values there (all the
/// elements of a list are walked, so a field that is sometimes null shows as such).
fn shape(value: &Value, path: &str, out: &mut Shape) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if !path.is_empty() {
        out.entry(path.to_owned()).or_default().insert(kind);
    }
    match value {
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{path}[]"), out);
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                shape(v, &join(path, key), out);
            }
        }
        _ => {}
    }
}

fn shape_of(value: &Value) -> Shape {
    let mut out = Shape::new();
    shape(value, "", &mut out);
    out
}

fn model() -> Shape {
    shape_of(data())
}

/// A shape as one line per key path, for a snapshot.
fn lines(shape: &Shape) -> String {
    let lines: Vec<String> = shape
        .iter()
        .map(|(path, kinds)| {
            let kinds: Vec<&str> = kinds.iter().copied().collect();
            format!("{path}: {}", kinds.join(" | "))
        })
        .collect();
    lines.join("\n")
}

#[test]
fn the_data_the_templates_receive_keeps_its_shape() {
    insta::assert_snapshot!(lines(&model()));
}

/// The data of a provider pack (N2B's, from the shared sample warehouse).
fn pack_data() -> &'static Value {
    static DATA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let dir = crate::util::sample_scratch();
        let run = command(dir)
            .args(["-q", "report", "--warehouse", "w", "--year", "2025/26"])
            .args(["--organisation", "N2B", "-o", "model-pack.pdf"])
            .args(["--data-json", "model-pack.json"])
            .output()
            .unwrap();
        assert!(run.status.success(), "{run:?}");
        let text = std::fs::read_to_string(dir.join("model-pack.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

fn pack_model() -> Shape {
    shape_of(pack_data())
}

#[test]
fn the_data_a_pack_template_receives_keeps_its_shape() {
    insta::assert_snapshot!(lines(&pack_model()));
}

/// The files a main template typesets: itself and what it includes and imports, transitively.
fn typeset_by(main: &str, files: &[(String, String)]) -> Vec<(String, String)> {
    let mut wanted = BTreeSet::from([main.to_owned()]);
    let mut todo = vec![main.to_owned()];
    while let Some(name) = todo.pop() {
        let Some((_, text)) = files.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim_start();
            if let Some(rest) = line
                .strip_prefix("#include \"")
                .or_else(|| line.strip_prefix("#import \""))
                && let Some((file, _)) = rest.split_once('"')
                && wanted.insert(file.to_owned())
            {
                todo.push(file.to_owned());
            }
        }
    }
    files
        .iter()
        .filter(|(n, _)| wanted.contains(n))
        .cloned()
        .collect()
}

#[test]
fn every_field_a_pack_template_reads_is_in_the_pack_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates");
    let files = typeset_by("pack.typ", &template_files(&dir));
    assert!(files.iter().any(|(n, _)| n == "section11.typ"));
    let (problems, read) = check_templates(&files, &pack_model());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for path in [
        "headlines[].footprint",
        "section11_actions[].status",
        "training_groups[].figure.percent",
        "training.level_totals[].figure.rag.key",
    ] {
        assert!(read.contains(path), "the check did not follow {path}");
    }
}

#[test]
fn every_field_the_templates_read_is_in_the_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates");
    let files = typeset_by("report.typ", &template_files(&dir));
    let (problems, read) = check_templates(&files, &model());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check follows the data into the templates' own functions and loops: fields read only
    // there were seen (so a field renamed there would have been caught).
    for path in [
        "summary.headlines[].rag.key",
        "training.organisations[].now.rag.word",
        "supervision.groups[].figure.percent",
        "training.detail[].levels[].figure.numerator",
        "spc.charts[].labels.upper",
        "spc.charts[].points[].kind",
        "quality.rows[].cells[].ratings[].letter",
        "quality.metrics[].name",
        "section11.grid[].cells[].previous_rating.key",
        "appendix.refresh_runs[].error",
    ] {
        assert!(read.contains(path), "the check did not follow {path}");
    }
}

#[test]
fn a_template_reading_a_field_the_data_lacks_is_caught() {
    let model = model();
    let wrong = |text: &str| check_templates(&[("t.typ".to_owned(), text.to_owned())], &model).0;
    let head = "#let data = json(\"/data.json\")\n";
    // Directly, through a for loop, a closure, a function's parameter, a method's result and
    // an enumeration; each found on its line.
    for (text, line) in [
        ("#data.training.nmae", 2),
        ("#for r in data.training.organisations [#r.now.precent]", 2),
        ("#data.training.trends.map(t => t.alt_text)", 2),
        (
            "#let cell(f) = f.rag.colour\n#for r in data.training.level_totals [#cell(r.figure)]",
            2,
        ),
        ("#let t = data.training.trends.first()\n#t.lables", 3),
        (
            "#for (i, r) in data.spc.readings.enumerate() [#r.latest_value]",
            2,
        ),
    ] {
        let problems = wrong(&format!("{head}{text}"));
        assert_eq!(problems.len(), 1, "{text}: {problems:?}");
        let place = format!("t.typ:{line}: ");
        assert!(problems[0].starts_with(&place), "{}", problems[0]);
    }
    // And nothing is reported for fields that exist, or for values that are not the data.
    let right = format!(
        "{head}#let m = data.meta\n#m.title #for r in data.training.organisations [#r.now.percent]\n\
         #let t = (alt: 1)\n#t.alt #table.cell[x]"
    );
    assert_eq!(wrong(&right), Vec::<String>::new());
}

/// The `.typ` files of the templates folder, by name.
fn template_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "typ"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

/// Every read of a field the data does not have, as `file:line: what`, and every data path the
/// templates read.
fn check_templates(files: &[(String, String)], model: &Shape) -> (Vec<String>, BTreeSet<String>) {
    let sources: Vec<(String, Source)> = files
        .iter()
        .map(|(name, text)| (name.clone(), Source::detached(text.clone())))
        .collect();
    let mut checker = Checker {
        model,
        sources: &sources,
        file: 0,
        modules: HashMap::new(),
        stack: vec![],
        problems: BTreeSet::new(),
        read: BTreeSet::new(),
    };
    for i in 0..sources.len() {
        checker.module(i);
    }
    (checker.problems.into_iter().collect(), checker.read)
}

/// What a name in a template stands for, as far as the check follows it.
#[derive(Clone)]
enum Bind<'a> {
    /// A part of the data: its key path (`""` for the whole).
    Data(String),
    /// A function the templates define, with the names it captured. Shared, not copied: every
    /// function captures the functions defined before it, so copies would double with each.
    Func(Rc<Func<'a>>),
}

#[derive(Clone)]
struct Func<'a> {
    name: String,
    closure: ast::Closure<'a>,
    file: usize,
    captured: Env<'a>,
}

type Env<'a> = HashMap<String, Bind<'a>>;

struct Checker<'a> {
    model: &'a Shape,
    sources: &'a [(String, Source)],
    /// The file being walked (for the place of a problem).
    file: usize,
    /// Each file's top-level names once walked (for `#import "x.typ": *`).
    modules: HashMap<usize, Env<'a>>,
    /// The functions being walked, so recursion stops.
    stack: Vec<String>,
    problems: BTreeSet<String>,
    read: BTreeSet<String>,
}

impl<'a> Checker<'a> {
    /// Walks a whole file (once) and returns its top-level names.
    fn module(&mut self, file: usize) -> Env<'a> {
        if let Some(env) = self.modules.get(&file) {
            return env.clone();
        }
        // A file importing itself, directly or not, sees nothing of itself.
        self.modules.insert(file, Env::new());
        let outer = std::mem::replace(&mut self.file, file);
        let mut env = Env::new();
        self.walk(self.sources[file].1.root(), &mut env);
        self.file = outer;
        self.modules.insert(file, env.clone());
        env
    }

    fn problem(&mut self, node: &SyntaxNode, path: &str) {
        let (name, source) = &self.sources[self.file];
        let line = source
            .find(node.span())
            .and_then(|n| source.lines().byte_to_line(n.offset()))
            .map_or(0, |l| l + 1);
        self.problems.insert(format!(
            "{name}:{line}: {} reads {path}, which the report data does not have",
            node.full_text()
        ));
    }

    fn is_list(&self, path: &str) -> bool {
        self.model.get(path).is_some_and(|k| k.contains("array"))
    }

    fn walk(&mut self, node: &'a SyntaxNode, env: &mut Env<'a>) {
        if let Some(expr) = node.cast::<ast::Expr>() {
            match expr {
                ast::Expr::LetBinding(binding) => return self.let_binding(binding, env),
                ast::Expr::ForLoop(for_loop) => return self.for_loop(for_loop, env),
                ast::Expr::FuncCall(_) | ast::Expr::FieldAccess(_) => {
                    self.path(expr, env);
                    return;
                }
                ast::Expr::Closure(closure) => return self.closure(closure, &[], env),
                ast::Expr::ModuleImport(import) => {
                    if let ast::Expr::Str(file) = import.source()
                        && let Some(i) = self
                            .sources
                            .iter()
                            .position(|(n, _)| n.as_str() == file.get().as_str())
                    {
                        let names = self.module(i);
                        env.extend(names);
                    }
                    return;
                }
                ast::Expr::CodeBlock(_) | ast::Expr::ContentBlock(_) => {
                    let mut inner = env.clone();
                    for child in node.children() {
                        self.walk(child, &mut inner);
                    }
                    return;
                }
                _ => {}
            }
        }
        for child in node.children() {
            self.walk(child, env);
        }
    }

    /// The data path an expression stands for, if any; checks every field it reads on the way.
    fn path(&mut self, expr: ast::Expr<'a>, env: &mut Env<'a>) -> Option<String> {
        match expr {
            ast::Expr::Ident(name) => match env.get(name.as_str()) {
                Some(Bind::Data(path)) => Some(path.clone()),
                _ => None,
            },
            ast::Expr::Parenthesized(inner) => self.path(inner.expr(), env),
            ast::Expr::FieldAccess(access) => {
                let target = self.path(access.target(), env)?;
                let path = join(&target, access.field().as_str());
                if self.model.contains_key(&path) {
                    self.read.insert(path.clone());
                    Some(path)
                } else {
                    self.problem(access.to_untyped(), &path);
                    None
                }
            }
            ast::Expr::FuncCall(call) => self.call(call, env),
            other => {
                self.walk(other.to_untyped(), env);
                None
            }
        }
    }

    fn call(&mut self, call: ast::FuncCall<'a>, env: &mut Env<'a>) -> Option<String> {
        let args: Vec<ast::Arg<'a>> = call.args().items().collect();
        match call.callee() {
            // A method of a part of the data: closures and functions given to it see its items.
            ast::Expr::FieldAccess(access) => {
                let target = self.path(access.target(), env);
                let item = target
                    .as_deref()
                    .filter(|t| self.is_list(t))
                    .map(|t| format!("{t}[]"));
                for arg in &args {
                    let value = match arg {
                        ast::Arg::Pos(e) => *e,
                        ast::Arg::Named(n) => n.expr(),
                        ast::Arg::Spread(s) => s.expr(),
                    };
                    match (value, &item) {
                        (ast::Expr::Closure(closure), _) => {
                            self.closure(closure, std::slice::from_ref(&item), env)
                        }
                        (ast::Expr::Ident(name), Some(item)) => {
                            if let Some(Bind::Func(f)) = env.get(name.as_str()).cloned() {
                                self.enter(&f, &[Some(item.clone())], &HashMap::new());
                            }
                        }
                        _ => {
                            self.path(value, env);
                        }
                    }
                }
                let target = target?;
                match access.field().as_str() {
                    "first" | "last" | "at" => item,
                    "filter" | "slice" | "rev" | "sorted" => Some(target),
                    _ => None,
                }
            }
            ast::Expr::Ident(name) => {
                let mut positional = vec![];
                let mut named = HashMap::new();
                for arg in &args {
                    match arg {
                        ast::Arg::Pos(e) => positional.push(self.path(*e, env)),
                        ast::Arg::Named(n) => {
                            let path = self.path(n.expr(), env);
                            named.insert(n.name().as_str().to_owned(), path);
                        }
                        ast::Arg::Spread(s) => {
                            self.path(s.expr(), env);
                        }
                    }
                }
                if name.as_str() == "json"
                    && let [ast::Arg::Pos(ast::Expr::Str(file))] = args.as_slice()
                    && file.get() == "/data.json"
                {
                    return Some(String::new());
                }
                if let Some(Bind::Func(f)) = env.get(name.as_str()).cloned() {
                    self.enter(&f, &positional, &named);
                }
                None
            }
            other => {
                self.walk(other.to_untyped(), env);
                self.walk(call.args().to_untyped(), env);
                None
            }
        }
    }

    /// Walks a template function's body with its parameters bound to what the call gave.
    fn enter(
        &mut self,
        f: &Func<'a>,
        positional: &[Option<String>],
        named: &HashMap<String, Option<String>>,
    ) {
        if self.stack.contains(&f.name) || self.stack.len() > 32 {
            return;
        }
        let mut env = f.captured.clone();
        // The function can call itself by name.
        env.insert(f.name.clone(), Bind::Func(Rc::new(f.clone())));
        let outer = std::mem::replace(&mut self.file, f.file);
        self.stack.push(f.name.clone());
        self.bind_params(f.closure, positional, named, &mut env);
        self.walk(f.closure.body().to_untyped(), &mut env);
        self.stack.pop();
        self.file = outer;
    }

    /// An anonymous closure, its positional parameters bound to `positional`.
    fn closure(&mut self, closure: ast::Closure<'a>, positional: &[Option<String>], env: &Env<'a>) {
        let mut inner = env.clone();
        self.bind_params(closure, positional, &HashMap::new(), &mut inner);
        self.walk(closure.body().to_untyped(), &mut inner);
    }

    fn bind_params(
        &mut self,
        closure: ast::Closure<'a>,
        positional: &[Option<String>],
        named: &HashMap<String, Option<String>>,
        env: &mut Env<'a>,
    ) {
        let mut positional = positional.iter();
        for param in closure.params().children() {
            match param {
                ast::Param::Pos(ast::Pattern::Normal(ast::Expr::Ident(name))) => {
                    let path = positional.next().cloned().flatten();
                    bind(env, name.as_str(), path);
                }
                ast::Param::Pos(pattern) => {
                    positional.next();
                    for name in pattern.bindings() {
                        env.remove(name.as_str());
                    }
                }
                ast::Param::Named(n) => {
                    // The default is read where the function is defined.
                    let mut defaults = env.clone();
                    self.path(n.expr(), &mut defaults);
                    let path = named.get(n.name().as_str()).cloned().flatten();
                    bind(env, n.name().as_str(), path);
                }
                ast::Param::Spread(s) => {
                    if let Some(name) = s.sink_ident() {
                        env.remove(name.as_str());
                    }
                }
            }
        }
    }

    fn let_binding(&mut self, binding: ast::LetBinding<'a>, env: &mut Env<'a>) {
        match binding.kind() {
            ast::LetBindingKind::Closure(name) => {
                let Some(closure) = binding
                    .to_untyped()
                    .children()
                    .find_map(|c| c.cast::<ast::Closure>())
                else {
                    return;
                };
                let f = Func {
                    name: name.as_str().to_owned(),
                    closure,
                    file: self.file,
                    captured: env.clone(),
                };
                env.insert(f.name.clone(), Bind::Func(Rc::new(f.clone())));
                // Once with nothing known of its parameters, for what it reads of the data
                // itself; at each call, again with what the call gives it.
                self.enter(&f, &[], &HashMap::new());
            }
            ast::LetBindingKind::Normal(pattern) => {
                let path = binding.init().and_then(|e| self.path(e, env));
                match pattern {
                    ast::Pattern::Normal(ast::Expr::Ident(name)) => bind(env, name.as_str(), path),
                    other => {
                        for name in other.bindings() {
                            env.remove(name.as_str());
                        }
                    }
                }
            }
        }
    }

    fn for_loop(&mut self, for_loop: ast::ForLoop<'a>, env: &mut Env<'a>) {
        let iterable = for_loop.iterable();
        let item = |checker: &Self, path: Option<String>| {
            path.filter(|p| checker.is_list(p))
                .map(|p| format!("{p}[]"))
        };
        // What each name of the pattern stands for: `x`, `(i, x)` of `.enumerate()`,
        // `(a, b)` of `.zip(..)`.
        let mut names: Vec<(ast::Ident<'a>, Option<String>)> = vec![];
        let pattern = for_loop.pattern();
        let method = match iterable {
            ast::Expr::FuncCall(call) => match call.callee() {
                ast::Expr::FieldAccess(a) => Some((call, a)),
                _ => None,
            },
            _ => None,
        };
        match (pattern, method) {
            (ast::Pattern::Normal(ast::Expr::Ident(name)), _) => {
                let path = self.path(iterable, env);
                names.push((name, item(self, path)));
            }
            (ast::Pattern::Destructuring(d), Some((call, access)))
                if matches!(access.field().as_str(), "enumerate" | "zip") =>
            {
                let target = self.path(access.target(), env);
                let mut parts = vec![];
                if access.field().as_str() == "enumerate" {
                    parts.push(None);
                    parts.push(item(self, target));
                } else {
                    parts.push(item(self, target));
                    for arg in call.args().items() {
                        if let ast::Arg::Pos(e) = arg {
                            let other = self.path(e, env);
                            parts.push(item(self, other));
                        }
                    }
                }
                for (i, part) in d.items().enumerate() {
                    match part {
                        ast::DestructuringItem::Pattern(ast::Pattern::Normal(
                            ast::Expr::Ident(name),
                        )) => names.push((name, parts.get(i).cloned().flatten())),
                        other => {
                            let idents = match other {
                                ast::DestructuringItem::Pattern(p) => p.bindings(),
                                ast::DestructuringItem::Named(n) => n.pattern().bindings(),
                                ast::DestructuringItem::Spread(s) => {
                                    s.sink_ident().into_iter().collect()
                                }
                            };
                            names.extend(idents.into_iter().map(|n| (n, None)));
                        }
                    }
                }
            }
            (other, _) => {
                self.path(iterable, env);
                names.extend(other.bindings().into_iter().map(|n| (n, None)));
            }
        }
        let mut inner = env.clone();
        for (name, path) in names {
            bind(&mut inner, name.as_str(), path);
        }
        self.walk(for_loop.body().to_untyped(), &mut inner);
    }
}

/// Binds `name` to a part of the data, or forgets what it stood for (a name rebound to
/// something else shadows the data it named).
fn bind<'a>(env: &mut Env<'a>, name: &str, path: Option<String>) {
    match path {
        Some(p) => {
            env.insert(name.to_owned(), Bind::Data(p));
        }
        None => {
            env.remove(name);
        }
    }
}
