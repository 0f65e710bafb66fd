//! The local renderer runs no code but its own: a template from a less
//! trusted source cannot reach the file system, import a module or climb
//! from a value to the interpreter's internals. Each attempt is refused
//! (`not supported locally`), never evaluated.

use std::collections::BTreeMap;

use rmote_template::{ErrorKind, LocalTemplate, Template};

#[test]
fn escapes_from_the_template_are_refused() {
    let attempts = [
        "% import os\n${os.getcwd()}",
        "% from os import path\n${path}",
        "${__import__('os').system('touch /tmp/rmote-pwned')}",
        "${open('/etc/passwd').read()}",
        "${eval('1 + 1')}",
        "${exec('x = 1')}",
        "${compile('1', 'f', 'eval')}",
        "${getattr(name, 'upper')()}",
        "${globals()}",
        "${locals()}",
        "${vars()}",
        "${name.__class__}",
        "${().__class__.__bases__[0].__subclasses__()}",
        "${str.__dict__}",
        "${[].append.__self__}",
        "${type(name).__mro__}",
        "${__builtins__}",
        "${(lambda: 0).__code__}",
        "${[x for x in ()].__class__}",
        "% def f():\n% pass\n% enddef\n${f.__globals__}",
        "% try:\n${1}\n% except Exception:\n% endtry",
    ];
    let context = BTreeMap::from([("name", "web1")]);
    for source in attempts {
        let template = Template::parse(source).unwrap_or_else(|e| panic!("{source:?}: {e}"));
        let err = match LocalTemplate::new(&template) {
            Err(err) => err,
            Ok(local) => match local.render(&context) {
                Err(err) => err,
                Ok(out) => panic!("{source:?} rendered locally: {out:?}"),
            },
        };
        assert_eq!(
            err.kind(),
            ErrorKind::NotSupportedLocally,
            "{source:?}: {err:#}"
        );
    }
}
