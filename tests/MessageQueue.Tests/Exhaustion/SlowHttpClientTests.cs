using System.Net.Sockets;
using System.Text;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Exhaustion;

/// <summary>
/// Slow HTTP clients hold a connection each: one that never sends a request, one that sends its headers a few bytes
/// at a time. Kestrel's keep-alive and request-headers timeouts, set from the Http section, close both.
/// </summary>
public sealed class SlowHttpClientTests
{
    private static readonly TimeSpan Closing = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AConnectionThatNeverSendsARequestAndOneThatNeverFinishesItsHeadersAreClosed()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["Http__KeepAliveTimeoutSeconds"] = "2",
            ["Http__RequestHeadersTimeoutSeconds"] = "2",
        });

        using var silent = new TcpClient();
        await silent.ConnectAsync(gateway.HttpAddress.Host, gateway.HttpAddress.Port);
        using var slow = new TcpClient();
        await slow.ConnectAsync(gateway.HttpAddress.Host, gateway.HttpAddress.Port);
        await slow.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /api/subjects HTTP/1.1\r\nHost: x\r\n"));

        Assert.True(await ClosedAsync(silent), "A connection that never sends a request should be closed at the keep-alive timeout.");
        Assert.True(await ClosedAsync(slow), "A request whose headers never end should be closed at the request-headers timeout.");
        Assert.False(gateway.HasExited, gateway.Output);
    }

    /// <summary>True when the server closes the connection within <see cref="Closing"/> (whatever it sends first, a 408 say).</summary>
    private static async Task<bool> ClosedAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(Closing);
        var buffer = new byte[1024];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
