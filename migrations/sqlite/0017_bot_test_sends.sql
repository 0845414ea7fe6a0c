-- Test messages asked for, by account and bot, for the limit on test sends (SEC-44). Kept when
-- a bot is removed, so removing and adding a bot again does not reset an account's count.
CREATE TABLE bot_test_sends (
    id       INTEGER PRIMARY KEY,
    bot_id   INTEGER NOT NULL,
    user_id  INTEGER,
    at       TEXT    NOT NULL
);
CREATE INDEX bot_test_sends_user ON bot_test_sends (user_id, at);
CREATE INDEX bot_test_sends_bot ON bot_test_sends (bot_id, at);

-- Answers recorded before SEC-38 could hold the first 300 characters of whatever the address
-- answered, and told a closed port from a refused one; keep only the outcome.
UPDATE bot_deliveries SET response = CASE
    WHEN status = 'sent' THEN '平台已接收'
    WHEN response LIKE 'HTTP %' THEN '平台返回错误'
    WHEN response IN ('无法连接', '超时未响应', '请求失败') THEN '无法送达，请检查机器人地址'
    ELSE response END;
UPDATE bots SET paused_reason = '连续多次发送失败' WHERE paused_reason LIKE '%最近一次：%';
