//! The brackets of JSON text outside its strings: what nesting checks need without parsing
//! (a parser recurses, and hostile text can nest far deeper than any stack).

/// `(byte index, opens)` of every `[`/`{` (opens) and `]`/`}` (closes) outside strings, in
/// order. Strings and escapes are followed, so brackets inside strings never count; the text is
/// not otherwise validated.
pub(crate) fn brackets(json: &[u8]) -> impl Iterator<Item = (usize, bool)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    json.iter().enumerate().filter_map(move |(i, &b)| {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            return None;
        }
        match b {
            b'"' => {
                in_string = true;
                None
            }
            b'[' | b'{' => Some((i, true)),
            b']' | b'}' => Some((i, false)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn brackets_inside_strings_and_escapes_do_not_count() {
        let text = br#"{"a":"[{\"]","b":[1,{"c":"\\"}]}"#;
        let found: Vec<_> = super::brackets(text).collect();
        assert_eq!(
            found,
            [
                (0, true),
                (17, true),
                (20, true),
                (29, false),
                (30, false),
                (31, false)
            ]
        );
    }
}
