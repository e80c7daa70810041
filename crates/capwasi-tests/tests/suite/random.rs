//! Randomness: `random_get`.

use capwasi_tests::Guest;

#[test]
fn random_get_fills_a_mebibyte_with_uniform_bytes_and_never_repeats() {
    let outcome = Guest::c("random").run();
    outcome.assert_exit(0);
    let text = outcome.stdout_text();
    let numbers = |prefix: &str| -> Vec<u64> {
        let line = text.lines().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("{prefix:?} in {text:?}"));
        line.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect()
    };
    assert_eq!(numbers("distinct "), [256], "every byte value appears in 1 MiB");
    // Each value is expected 4096 times, standard deviation 64: these bounds are ~8 sigma.
    let min_max = numbers("min ");
    assert!(min_max[0] >= 3600 && min_max[1] <= 4600, "byte value counts {min_max:?} are not uniform");
    // Two independent buffers agree at about 1 position in 256 (4096 expected).
    let same = numbers("same positions ")[0];
    assert!(same < 5000, "{same} positions equal between the two calls");
    assert!(text.contains("all zero no no\n"), "{text}");
}
