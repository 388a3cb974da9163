using MessageQueue.Tests.Infrastructure;
using NetMQ;

namespace MessageQueue.Tests.Client;

/// <summary>The native client against a gateway that requires CurveZMQ: keys from flags or the environment, and keygen.</summary>
public sealed class ClientCurveTests : IClassFixture<CurveGateway>
{
    private readonly CurveGateway _gateway;

    public ClientCurveTests(CurveGateway gateway) => _gateway = gateway;

    [Fact]
    public async Task ListWithTheServerKeyIsAnswered()
    {
        var result = await ClientProcess.RunAsync("list", "--server", _gateway.Zmq.ReplyEndpoint, "--server-key", _gateway.Keys.PublicKeyZ85);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["SpringBoot", "NodeJs", "React", "Django"], result.Output.Split('\n'));
    }

    [Fact]
    public async Task AKeyStartingWithAnAtSignIsAKeyNotAResponseFile()
    {
        // One Z85 key in 85 starts with '@'; System.CommandLine read such an argument as a response file (exit 2).
        const string key = "@b3zQ>=Kgz6O}MV1pH)tq8Zz0Xc>&6bW=/4q8{nS";
        var result = await ClientProcess.RunAsync("list", "--server", _gateway.Zmq.ReplyEndpoint, "--server-key", key, "--timeout", "1");

        Assert.Equal(3, result.ExitCode); // not the gateway's key: no reply, as with any wrong key
        Assert.Contains($"no reply from {_gateway.Zmq.ReplyEndpoint}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTheServerKeyTheClientGetsNoReplyAndExitCode3()
    {
        var result = await ClientProcess.RunAsync("list", "--server", _gateway.Zmq.ReplyEndpoint, "--timeout", "1");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"no reply from {_gateway.Zmq.ReplyEndpoint}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAndPublishTakeTheKeysFromTheEnvironment()
    {
        var keygen = await ClientProcess.RunAsync("keygen");
        var clientKeys = KeyPair(keygen.Output);
        var environment = new Dictionary<string, string>
        {
            ["MQ_SERVER_KEY"] = _gateway.Keys.PublicKeyZ85,
            ["MQ_CLIENT_SECRET_KEY"] = clientKeys.SecretKeyZ85!,
        };
        // Only mq's own publications, until the watcher's subscription is in place (a SUB socket misses what comes
        // before): a probe from another peer would count towards --count, and in-flight probes made that count racy.
        await using var watcher = ClientProcess.Start(environment, "watch", "SpringBoot", "--count", "1", "--publisher", _gateway.Zmq.PublishEndpoint);
        var text = $"posted by mq over CurveZMQ {Guid.NewGuid():N}";
        string? seen = null;
        var deadline = DateTime.UtcNow + ClientProcess.DefaultTimeout;
        while (seen is null && !watcher.OutputEnded && DateTime.UtcNow < deadline)
        {
            var published = await ClientProcess.RunAsync(environment, "publish", "SpringBoot", text, "--server", _gateway.Zmq.ReplyEndpoint);
            Assert.Equal(0, published.ExitCode);
            seen = await watcher.TryWaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), TimeSpan.FromMilliseconds(500));
        }

        Assert.NotNull(seen);
        Assert.EndsWith(text, seen, StringComparison.Ordinal);
        Assert.Equal(0, await watcher.WaitForExitAsync());
    }

    [Fact]
    public async Task KeygenPrintsAMatchingZ85KeyPair()
    {
        var result = await ClientProcess.RunAsync("keygen");

        Assert.Equal(0, result.ExitCode);
        var pair = KeyPair(result.Output);
        Assert.Equal(32, pair.PublicKey.Length);
        Assert.NotEqual(KeyPair((await ClientProcess.RunAsync("keygen")).Output).PublicKeyZ85, pair.PublicKeyZ85);
    }

    [Theory]
    [InlineData("--server-key")]
    [InlineData("MQ_SERVER_KEY")]
    [InlineData("--client-secret-key")]
    [InlineData("MQ_CLIENT_SECRET_KEY")]
    public async Task MalformedKeyIsAUsageErrorThatDoesNotQuoteIt(string source)
    {
        const string Malformed = "not-a-z85-key";
        var valid = _gateway.Keys.PublicKeyZ85;
        var environment = new Dictionary<string, string> { ["MQ_SERVER_KEY"] = valid };
        List<string> args = ["list", "--server", _gateway.Zmq.ReplyEndpoint];
        if (source.StartsWith("--", StringComparison.Ordinal))
            args.AddRange([source, Malformed]);
        else
            environment[source] = Malformed;

        var result = await ClientProcess.RunAsync(environment, [.. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is 13 characters long, not the 40 of a Z85 key", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Malformed, result.Error, StringComparison.Ordinal);
    }

    /// <summary>Reads keygen's two lines and checks that the secret key's public key is the one printed.</summary>
    private static NetMQCertificate KeyPair(string keygenOutput)
    {
        var lines = keygenOutput.Split('\n');
        Assert.Equal(2, lines.Length);
        var publicKey = Assert.Single(lines, l => l.StartsWith("public-key: ", StringComparison.Ordinal))["public-key: ".Length..];
        var secretKey = Assert.Single(lines, l => l.StartsWith("secret-key: ", StringComparison.Ordinal))["secret-key: ".Length..];
        var pair = NetMQCertificate.CreateFromSecretKey(secretKey);
        Assert.Equal(publicKey, pair.PublicKeyZ85);
        return pair;
    }
}
