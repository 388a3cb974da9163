using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using NetMQ;

namespace MessageQueue.Tests.Legacy;

/// <summary>What the legacy door refuses at start-up: CurveZMQ keys that cannot work.</summary>
public sealed class ZmqStartupCheckTests
{
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

    /// <summary>Starts a gateway that must refuse to start; returns what it said.</summary>
    private static string StartUpFailure(Dictionary<string, string?> settings)
    {
        using var data = new TempDirectory();
        var error = Record.Exception(() => new GatewayFactory(data.Path, settings).Dispose());
        var invalid = Assert.IsType<OptionsValidationException>(error is AggregateException { InnerExceptions: [var inner] } ? inner : error);
        return invalid.Message;
    }
}
