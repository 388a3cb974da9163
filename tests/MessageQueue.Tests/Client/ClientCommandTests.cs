using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Client;

/// <summary>The scriptable commands against a real gateway: output, exit codes and what the store ends up with.</summary>
public sealed class ClientCommandTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _gateway;

    public ClientCommandTests(GatewayFactory gateway) => _gateway = gateway;

    private string Server => _gateway.Zmq.ReplyEndpoint;

    [Fact]
    public async Task ListPrintsTheFourDefaultSubjectsOnePerLine()
    {
        var result = await ClientProcess.RunAsync("list", "--server", Server);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["SpringBoot", "NodeJs", "React", "Django"], result.Output.Split('\n'));
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task SubscribePublishAndUnsubscribeSucceedAndChangeTheStore()
    {
        var email = $"commands-{Guid.NewGuid():N}@example.com";
        var text = $"posted by mq {Guid.NewGuid():N}";

        var subscribed = await ClientProcess.RunAsync("subscribe", "SpringBoot", email, "--server", Server);
        Assert.Equal(0, subscribed.ExitCode);
        Assert.StartsWith("Spring Boot makes it easy", subscribed.Output, StringComparison.Ordinal);
        Assert.Contains(email, GatewayStore.EmailsOn(_gateway, "SpringBoot"));

        var published = await ClientProcess.RunAsync("publish", "SpringBoot", text, "--server", Server);
        Assert.Equal(0, published.ExitCode);
        Assert.Equal("Posted to SpringBoot.", published.Output);
        using (var peer = new LegacyPeer(Server))
            Assert.EndsWith("\n" + text, ContentOf(peer.Request(new { type = "2", email = "reader@example.com", subject = "SpringBoot" })), StringComparison.Ordinal);

        var unsubscribed = await ClientProcess.RunAsync("unsubscribe", "SpringBoot", email, "--server", Server);
        Assert.Equal(0, unsubscribed.ExitCode);
        Assert.Equal($"Unsubscribed {email} from SpringBoot.", unsubscribed.Output);
        Assert.DoesNotContain(email, GatewayStore.EmailsOn(_gateway, "SpringBoot"));
    }

    [Theory]
    [InlineData("subscribe", "NoSuchSubject", "someone@example.com")]
    [InlineData("unsubscribe", "NoSuchSubject", "someone@example.com")]
    [InlineData("publish", "NoSuchSubject", "some text")]
    public async Task UnknownSubjectIsRefusedByTheServerWithExitCode1(string command, string subject, string value)
    {
        var result = await ClientProcess.RunAsync(command, subject, value, "--server", Server);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("mq: Not exist subject - NoSuchSubject. Try again!", result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task BadEmailIsRefusedBeforeSendingWithExitCode2()
    {
        var result = await ClientProcess.RunAsync("subscribe", "React", "not-an-email", "--server", Server);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("mq: 'not-an-email' is not a valid email address.", result.Error);
        Assert.DoesNotContain("not-an-email", GatewayStore.EmailsOn(_gateway, "React"));
    }

    [Fact]
    public async Task EmailTheServerFindsInvalidIsRefusedWithItsMessage()
    {
        // Passes the client's quick check, fails the server's strict parser.
        var result = await ClientProcess.RunAsync("subscribe", "React", "a..b@example.com", "--server", Server);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a valid email address. Try again!", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedEndpointIsAUsageErrorWithExitCode2()
    {
        var result = await ClientProcess.RunAsync("list", "--server", "localhost:8080");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--server must look like tcp://host:port", result.Error, StringComparison.Ordinal);
    }

    private static string ContentOf(string subscribeReply) =>
        System.Text.Json.JsonDocument.Parse(subscribeReply).RootElement.GetProperty("data").GetString()!;
}
