using MessageQueue.Gateway.Security;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace MessageQueue.Tests.Security;

/// <summary>Like Redis's protected mode: HTTP without API keys runs only on loopback unless Auth:AllowAnonymous says otherwise.</summary>
public sealed class ProtectedModeTests
{
    [Fact]
    public async Task ListeningOnEveryInterfaceWithoutKeysRefusesToStartAndSaysHowToFixIt()
    {
        using var data = new TempDirectory();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GatewayProcess.StartAsync(data.Path, new Dictionary<string, string> { ["Urls"] = "http://0.0.0.0:0" }));

        Assert.Contains("The gateway did not start: its configuration needs a change.", failure.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP listens on http://0.0.0.0:0, which other machines can reach", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Auth__ApiKeys__0__KeyHash", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Auth__AllowAnonymous=true", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5080")]
    [InlineData("urls", "http://localhost:5080;http://[::1]:5081")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://127.0.0.2:5080")]
    public void LoopbackListenersNeedNoKey(string key, string value) =>
        Assert.True(Validate(new AuthOptions(), (key, value)).Succeeded);

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5080")]
    [InlineData("urls", "http://127.0.0.1:5080;http://+:80")]
    [InlineData("urls", "http://*:5080")]
    [InlineData("urls", "http://[::]:5080")]
    [InlineData("urls", "http://gateway.example.com:5080")]
    [InlineData("http_ports", "8080")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:5080")]
    public void ExposedListenersNeedAKeyOrAllowAnonymous(string key, string value)
    {
        var refused = Validate(new AuthOptions(), (key, value));
        Assert.True(refused.Failed);
        Assert.Contains("which other machines can reach", refused.FailureMessage, StringComparison.Ordinal);

        Assert.True(Validate(new AuthOptions { AllowAnonymous = true }, (key, value)).Succeeded);
        Assert.True(Validate(WithKey(new ApiKeyEntry { Key = "a-key-of-sixteen-chars", Role = "admin" }), (key, value)).Succeeded);
    }

    [Theory]
    [InlineData("short-key", null, "publisher", "shorter than 16 characters")]
    [InlineData(null, "abc", "publisher", "64 hex digits")]
    [InlineData("a-key-of-sixteen-chars", null, "owner", "Role must be publisher or admin")]
    [InlineData(null, null, "admin", "exactly one of Key and KeyHash")]
    [InlineData("a-key-of-sixteen-chars", "0000000000000000000000000000000000000000000000000000000000000000", "admin", "exactly one of Key and KeyHash")]
    public void KeyEntriesAreChecked(string? key, string? hash, string role, string expected)
    {
        var result = Validate(WithKey(new ApiKeyEntry { Key = key, KeyHash = hash, Role = role }), ("urls", "http://127.0.0.1:5080"));

        Assert.True(result.Failed);
        Assert.Contains("Auth:ApiKeys:0", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:8080", true)]
    [InlineData("tcp://[::1]:8080", true)]
    [InlineData("ipc:///tmp/mq", true)]
    [InlineData("inproc://mq", true)]
    [InlineData("tcp://*:8080", false)]
    [InlineData("tcp://0.0.0.0:8080", false)]
    [InlineData("tcp://eth0:8080", false)]
    public void ZeroMqEndpointsAreLoopbackOnlyOnLoopbackAddresses(string endpoint, bool loopback) =>
        Assert.Equal(loopback, Exposure.IsLoopbackZmqEndpoint(endpoint));

    [Theory]
    [InlineData("*", false)]
    [InlineData("https://status.example.com/page", false)]
    [InlineData("status.example.com", false)]
    [InlineData("https://status.example.com", true)]
    [InlineData("http://127.0.0.1:8000", true)]
    public void AllowedOriginsAreOriginsNotPatterns(string origin, bool valid) =>
        Assert.Equal(valid, new CrossOriginOptionsValidator().Validate(null, new CrossOriginOptions { AllowedOrigins = [origin] }).Succeeded);

    private static AuthOptions WithKey(ApiKeyEntry entry) => new() { ApiKeys = [entry] };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(AuthOptions options, (string Key, string Value) setting)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(setting.Key, setting.Value)]).Build();
        return new AuthOptionsValidator(configuration).Validate(null, options);
    }
}
