/// Defines a test with a fresh temp dir and a command builder for the `outpost` binary.
macro_rules! outposttest {
    ($name:ident, |$dir:ident, $cmd:ident| $body:block) => {
        #[test]
        fn $name() {
            let $dir = crate::util::Dir::new();
            #[allow(unused_mut)]
            let mut $cmd = $dir.device("a");
            $body
        }
    };
}

/// `assert_eq!` that prints both sides on separate lines.
macro_rules! eqnice {
    ($expected:expr, $got:expr) => {{
        match (&$expected, &$got) {
            (expected, got) => {
                if expected != got {
                    panic!("\nexpected:\n{expected:#?}\ngot:\n{got:#?}\n");
                }
            }
        }
    }};
}
