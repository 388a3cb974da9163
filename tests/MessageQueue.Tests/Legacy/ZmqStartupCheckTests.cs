using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using NetMQ;

namespace MessageQueue.Tests.Legacy;

/// <summary>What the legacy door refuses at start-up: protected mode off loopback, CurveZMQ keys that cannot work, and the guard off off loopback.</summary>
public sealed class ZmqStartupCheckTests
{
    [Theory]
    [InlineData("Zmq:ReplyEndpoint")]
    [InlineData("Zmq:PublishEndpoint")]
    public void DoorReachableFromOtherMachinesWithoutCurveRefusesToStartAndSaysHowToFix(string endpointSetting)
    {
        var failure = StartUpFailure(new() { [endpointSetting] = "tcp://0.0.0.0:0" });

        Assert.Contains("The legacy ZeroMQ door binds tcp://0.0.0.0:0, which other machines can reach, and has no CurveZMQ key", failure, StringComparison.Ordinal);
        Assert.Contains("Configure Zmq__Curve__ServerSecretKey", failure, StringComparison.Ordinal);
        Assert.Contains("bind Zmq__ReplyEndpoint and Zmq__PublishEndpoint to tcp://127.0.0.1 only", failure, StringComparison.Ordinal);
        Assert.Contains("set Auth__AllowAnonymous=true", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowAnonymousLetsAPlainDoorListenOffLoopback()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>
        {
            ["Zmq:ReplyEndpoint"] = "tcp://0.0.0.0:0",
            ["Auth:AllowAnonymous"] = "true",
        });
        using var peer = new LegacyPeer(OnLoopback(gateway.Zmq.ReplyEndpoint));

        Assert.StartsWith("[SpringBoot]", peer.Request(new { type = "1" }), StringComparison.Ordinal);
    }

    [Fact]
    public void CurveKeyLetsTheDoorListenOffLoopback()
    {
        var keys = new NetMQCertificate();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>
        {
            ["Zmq:ReplyEndpoint"] = "tcp://0.0.0.0:0",
            ["Zmq:PublishEndpoint"] = "tcp://0.0.0.0:0",
            ["Zmq:Curve:ServerSecretKey"] = keys.SecretKeyZ85,
            ["Zmq:Curve:ServerPublicKey"] = keys.PublicKeyZ85,
        });
        using var peer = new LegacyPeer(OnLoopback(gateway.Zmq.ReplyEndpoint), keys.PublicKey);

        Assert.StartsWith("[SpringBoot]", peer.Request(new { type = "1" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("too-short", "is 9 characters long, not the 40 of a Z85 key")]
    [InlineData("0123456789abcdefghij0123456789abcdefghi~", "has a character outside the Z85 alphabet at position 40")]
    [InlineData("########################################", "has characters 1-5 that Z85 cannot decode")]
    public void MalformedServerSecretKeyRefusesToStartWithoutQuotingIt(string secretKey, string problem)
    {
        var failure = StartUpFailure(new() { ["Zmq:Curve:ServerSecretKey"] = secretKey });

        Assert.Contains($"Zmq:Curve:ServerSecretKey {problem}.", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(secretKey, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerPublicKeyOfAnotherPairRefusesToStart()
    {
        var failure = StartUpFailure(new()
        {
            ["Zmq:Curve:ServerSecretKey"] = new NetMQCertificate().SecretKeyZ85,
            ["Zmq:Curve:ServerPublicKey"] = new NetMQCertificate().PublicKeyZ85,
        });

        Assert.Contains("Zmq:Curve:ServerPublicKey is not the public key of Zmq:Curve:ServerSecretKey", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowedClientKeysRefuseToStartBecauseNetMQCannotEnforceThem()
    {
        var failure = StartUpFailure(new()
        {
            ["Zmq:Curve:ServerSecretKey"] = new NetMQCertificate().SecretKeyZ85,
            ["Zmq:Curve:AllowedClientPublicKeys:0"] = new NetMQCertificate().PublicKeyZ85,
        });

        Assert.Contains("Zmq:Curve:AllowedClientPublicKeys cannot be enforced: NetMQ 4.0.4.5 has no ZAP", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGuardCanBeTurnedOffForMeasurementOnlyOnLoopback()
    {
        var failure = StartUpFailure(new()
        {
            ["Zmq:DisableGuardForMeasurement"] = "true",
            ["Zmq:ReplyEndpoint"] = "tcp://0.0.0.0:0",
            ["Auth:AllowAnonymous"] = "true",
        });

        Assert.Contains("Zmq:DisableGuardForMeasurement is for measurement only and needs both Zmq endpoints on loopback", failure, StringComparison.Ordinal);

        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Zmq:DisableGuardForMeasurement"] = "true" });
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        Assert.StartsWith("[SpringBoot]", peer.Request(new { type = "1" }), StringComparison.Ordinal);
    }

    /// <summary>A wildcard bind (tcp://0.0.0.0:port) is reached here through loopback only.</summary>
    private static string OnLoopback(string endpoint) => endpoint.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);

    /// <summary>Starts a gateway that must refuse to start; returns what it said.</summary>
    private static string StartUpFailure(Dictionary<string, string?> settings)
    {
        using var data = new TempDirectory();
        var error = Record.Exception(() => new GatewayFactory(data.Path, settings).Dispose());
        var invalid = Assert.IsType<OptionsValidationException>(error is AggregateException { InnerExceptions: [var inner] } ? inner : error);
        return invalid.Message;
    }
}
