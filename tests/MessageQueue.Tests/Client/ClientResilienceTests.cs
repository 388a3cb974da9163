using System.Diagnostics;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Client;

/// <summary>The client never hangs: a dead or silent server costs a bounded wait, and only safe requests are retried.</summary>
public sealed class ClientResilienceTests
{
    [Fact]
    public async Task ListAgainstAStoppedGatewayFailsFastWithExitCode3()
    {
        string server;
        await using (var gateway = new GatewayFactory())
            server = gateway.Zmq.ReplyEndpoint;
        var stopwatch = Stopwatch.StartNew();

        var result = await ClientProcess.RunAsync("list", "--server", server, "--timeout", "1");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"mq: no reply from {server} within 1s", result.Error);
        // Generous: it includes starting a .NET process on a loaded 2-core machine.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task MenuQuitsPromptlyWhenTheGatewayIsGone()
    {
        var email = $"gone-{Guid.NewGuid():N}@example.com";
        var gateway = new GatewayFactory();
        await using var menu = ClientProcess.Start("menu", "--server", gateway.Zmq.ReplyEndpoint, "--publisher", gateway.Zmq.PublishEndpoint);
        try
        {
            menu.SendLine("2");
            menu.SendLine(email);
            menu.SendLine("React");
            await menu.WaitForLineContainingAsync("React is a JavaScript library");
        }
        finally
        {
            // Asynchronously: a synchronous stop would block a test thread that the host's own stop may need.
            await gateway.DisposeAsync();
        }
        var stopwatch = Stopwatch.StartNew();

        menu.SendLine("q");

        Assert.Equal(0, await menu.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(6), $"took {stopwatch.Elapsed}");
        Assert.Contains($"Could not unsubscribe {email} from React: no reply from", menu.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListIsRetriedOnAFreshSocketThenFails()
    {
        using var server = new SilentServer();

        // Each attempt gets a third of the budget: long enough for a loopback connect even on a loaded machine,
        // or a socket closed with Linger 0 drops its request before it is sent and the count comes out short.
        var result = await ClientProcess.RunAsync("list", "--server", server.Endpoint, "--timeout", "6");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"mq: no reply from {server.Endpoint} within 6s", result.Error);
        await server.WaitForRequestsAsync(3, TimeSpan.FromSeconds(5));
        Assert.Equal(3, server.Requests);
    }

    [Theory]
    [InlineData("publish", "React", "must not be posted twice")]
    [InlineData("subscribe", "React", "once@example.com")]
    [InlineData("unsubscribe", "React", "once@example.com")]
    public async Task RequestsThatChangeSomethingAreSentOnlyOnce(string command, string subject, string value)
    {
        using var server = new SilentServer();

        var result = await ClientProcess.RunAsync(command, subject, value, "--server", server.Endpoint, "--timeout", "2");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"mq: no reply from {server.Endpoint} within 2s", result.Error);
        await server.WaitForRequestsAsync(1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, server.Requests);
    }
}
