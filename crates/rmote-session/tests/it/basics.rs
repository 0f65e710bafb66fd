use rmote_session::{Call, Tool};

use crate::common::connect;

static GREETER: Tool = Tool::new(
    "Greeter",
    r#"
class Greeter:
    @staticmethod
    def hello(name):
        return "hello " + name
"#,
);

#[tokio::test]
async fn a_call_returns_a_typed_value() {
    let conn = connect().await;
    let got: String = conn
        .call(Call::new(&GREETER, "hello").arg("ada"))
        .await
        .unwrap();
    assert_eq!(got, "hello ada");
    let exit = conn.close().await;
    assert_eq!(exit.status.and_then(|s| s.code()), Some(0));
}
