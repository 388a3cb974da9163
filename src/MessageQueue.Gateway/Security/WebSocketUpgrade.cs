namespace MessageQueue.Gateway.Security;

internal static class WebSocketUpgrade
{
    /// <summary>
    /// Whether the request opens a WebSocket. Read from the request itself: the WebSockets feature is only set inside
    /// the hub's own pipeline, after the security middleware has run.
    /// </summary>
    public static bool IsRequested(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) && request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase))
        || HttpMethods.IsConnect(request.Method); // HTTP/2's extended CONNECT
}
