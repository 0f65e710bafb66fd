//! Quoting for POSIX shells: how a command line survives being run by the
//! remote login shell (`ssh host COMMAND`) or by ssh's `ProxyCommand`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// Quotes one word so that a POSIX shell reads it back unchanged.
///
/// Words made only of characters no shell treats specially are left bare;
/// anything else is wrapped in single quotes, with each `'` written as
/// `'"'"'`.
///
/// ```
/// use rmote_transport::quote;
/// assert_eq!(quote("python3"), "python3");
/// assert_eq!(quote("it's here"), "'it'\"'\"'s here'");
/// assert_eq!(quote(""), "''");
/// ```
pub fn quote(word: impl AsRef<OsStr>) -> String {
    let bytes = word.as_ref().as_bytes();
    let text = String::from_utf8_lossy(bytes);
    // No `=`: a bare `a=b` first word would be an assignment.
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"_-./:@%+,".contains(b);
    if !bytes.is_empty() && bytes.iter().all(safe) {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\"'\"'");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Quotes every word and joins them with spaces.
pub fn join<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    words.into_iter().map(quote).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `sh -c 'printf "%s\0" WORDS'` and returns the words sh saw.
    fn through_sh(words: &[&str]) -> Vec<String> {
        let script = format!("printf '%s\\0' {}", join(words));
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        text.split_terminator('\0').map(str::to_string).collect()
    }

    #[test]
    fn words_survive_a_real_shell() {
        let words = [
            "plain",
            "",
            "with space",
            "it's",
            "'",
            "''",
            "$HOME",
            "`id`",
            "$(id)",
            "a\"b",
            "back\\slash",
            "semi;colon",
            "new\nline",
            "glob*?[x]",
            "~user",
            "#comment",
            "tab\there",
            "é ü",
            "-c",
            "&&",
            "|",
        ];
        assert_eq!(through_sh(&words), words);
    }

    #[test]
    fn safe_words_stay_bare() {
        for w in ["python3", "/usr/bin/python3", "-S", "user@host:22", "%h:%p"] {
            assert_eq!(quote(w), w);
        }
        // A bare `a=b` first word would be an assignment.
        assert_eq!(quote("a=b"), "'a=b'");
    }
}
