using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Operations;

/// <summary>The probes a container runtime or a load balancer calls: live answers fast, ready checks what serving needs.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task LiveAnswers200WithoutCheckingAnything()
    {
        using var gateway = new GatewayFactory();
        using var http = gateway.CreateClient();

        var live = await ApiAssert.Json(await http.GetAsync("/health/live"), HttpStatusCode.OK);

        Assert.Equal("Healthy", live.GetProperty("status").GetString());
        Assert.Empty(live.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task ReadyAnswers200WhenTheStoreAnswersAndTheSocketsAreBound()
    {
        using var gateway = new GatewayFactory();
        using var http = gateway.CreateClient();

        var ready = await ApiAssert.Json(await http.GetAsync("/health/ready"), HttpStatusCode.OK);

        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal("Healthy", Check(ready, "store"));
        Assert.Equal("Healthy", Check(ready, "zmq"));
        Assert.Equal("Healthy", Check(ready, "smtp")); // not configured: mail goes to the pickup directory
    }

    [Fact]
    public async Task ReadyAnswers200WhenTheConfiguredSmtpServerAnswers()
    {
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = new GatewayFactory(null, SmtpSink.GatewaySettings(smtp.Port));
        using var http = gateway.CreateClient();

        var ready = await ApiAssert.Json(await http.GetAsync("/health/ready"), HttpStatusCode.OK);

        Assert.Equal("Healthy", Check(ready, "smtp"));
    }

    [Fact]
    public async Task ReadyAnswers503NamingSmtpWhenTheConfiguredServerDoesNotAnswer()
    {
        var closedPort = ClosedPort();
        using var gateway = new GatewayFactory(null, SmtpSink.GatewaySettings(closedPort));
        using var http = gateway.CreateClient();

        var ready = await ApiAssert.Json(await http.GetAsync("/health/ready"), HttpStatusCode.ServiceUnavailable);

        Assert.Equal("Unhealthy", ready.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", Check(ready, "smtp"));
        Assert.Contains("not reachable", ready.GetProperty("checks").GetProperty("smtp").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", Check(ready, "store"));
        Assert.Equal("Healthy", Check(ready, "zmq"));

        // Liveness does not depend on SMTP.
        await ApiAssert.Json(await http.GetAsync("/health/live"), HttpStatusCode.OK);
    }

    private static string? Check(JsonElement report, string name) =>
        report.GetProperty("checks").GetProperty(name).GetProperty("status").GetString();

    /// <summary>A loopback port that was just free and that nothing listens on now.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
