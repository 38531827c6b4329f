//! The log level of the common answers (issue 28, item 4): a signed-out request, a redirect to
//! sign-in and Clerk's handshake are routine (one debug line with the reason), never a warning or
//! an error; a success logs nothing at all. (One test in its own binary: the log capture is
//! per process.)

use e2e::{spawn_app_with, SpawnOptions};

#[actix_rt::test]
async fn common_answers_are_neither_warnings_nor_errors() {
    // Arrange
    let app = spawn_app_with(SpawnOptions {
        frontend_api_on_emulator: true,
        ..Default::default()
    })
    .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let client_uat = format!("__client_uat={}", now - 3600);
    let document = [
        ("accept", "text/html,application/xhtml+xml"),
        ("sec-fetch-dest", "document"),
        ("host", "localhost:3000"),
    ];
    let json = [("accept", "application/json")];

    // Act
    let token = app.token();
    let answers = [
        (
            "/api/user",
            app.get("/api/user", Some(&token), &json).await.status,
        ),
        ("/api/user", app.get("/api/user", None, &json).await.status),
        (
            "/api/data",
            app.get("/api/data", Some("not-a-token"), &json).await.status,
        ),
        ("/profile", app.get("/profile", None, &document).await.status),
        ("/api/me", {
            let mut headers = document.to_vec();
            headers.push(("cookie", &client_uat));
            app.get("/api/me", None, &headers).await.status
        }),
    ];
    app.stop().await;

    // Assert
    assert_eq!(
        answers.map(|(_, status)| status),
        [200, 401, 401, 307, 307],
        "{answers:?}"
    );
    let logs = e2e::captured_logs();
    let events: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|event: &serde_json::Value| event["span"]["name"] == "HTTP request")
        .collect();
    for event in &events {
        let level = event["level"].as_str().unwrap_or("");
        assert!(level == "DEBUG" || level == "TRACE", "{event}");
    }
    let refusals: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["fields"]["message"] == "request answered with a refusal or a redirect")
        .map(|e| {
            (
                e["fields"]["status"].as_u64().unwrap_or(0),
                e["fields"]["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(refusals.iter().any(|(status, _)| *status == 401), "{refusals:?}");
    assert!(
        refusals
            .iter()
            .any(|(status, reason)| *status == 307 && !reason.is_empty()),
        "the handshake says why: {refusals:?}"
    );
}
