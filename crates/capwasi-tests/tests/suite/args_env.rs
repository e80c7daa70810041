//! Arguments and environment: `args_*` and `environ_*`, seen through a C guest that prints
//! each string on its own line (after checking the layout the host wrote).

use capwasi_tests::Guest;

#[test]
fn args_round_trip_including_empty_and_non_ascii() {
    let outcome = Guest::c("args_env").args(["plain", "", "héllo", "日本", "with space", "-x", "--"]).run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "arg[0]=args_env\n\
         arg[1]=plain\n\
         arg[2]=\n\
         arg[3]=héllo\n\
         arg[4]=日本\n\
         arg[5]=with space\n\
         arg[6]=-x\n\
         arg[7]=--\n\
         getenv(EMPTY): unset\n"
    );
    assert_eq!(outcome.stderr_text(), "");
}

#[test]
fn env_round_trips_in_order_including_empty_value_and_non_ascii() {
    let outcome = Guest::c("args_env")
        .env("FIRST", "1")
        .env("EMPTY", "")
        .env("GREETING", "héllo 日本")
        .env("EQUALS", "a=b=c")
        .run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "arg[0]=args_env\n\
         env:FIRST=1\n\
         env:EMPTY=\n\
         env:GREETING=héllo 日本\n\
         env:EQUALS=a=b=c\n\
         getenv(EMPTY): set and empty\n"
    );
}

#[test]
fn setting_a_variable_twice_keeps_only_the_last_value() {
    let outcome = Guest::c("args_env").env("EMPTY", "first").env("EMPTY", "").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "arg[0]=args_env\nenv:EMPTY=\ngetenv(EMPTY): set and empty\n");
}

#[test]
fn no_environment_gives_zero_variables() {
    let outcome = Guest::c("args_env").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "arg[0]=args_env\ngetenv(EMPTY): unset\n");
}

#[test]
fn long_arguments_round_trip() {
    let long = "é".repeat(50_000);
    let outcome = Guest::c("args_env").args([long.as_str(), "end"]).run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), format!("arg[0]=args_env\narg[1]={long}\narg[2]=end\ngetenv(EMPTY): unset\n"));
}
