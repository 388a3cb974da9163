using MessageQueue.Gateway.Security;
using MessageQueue.Shared;
using Microsoft.Extensions.Options;
using NetMQ;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// Checks the CurveZMQ keys, and protected mode for the legacy door: binding where other machines can reach it without
/// CurveZMQ refuses to start, unless <see cref="AuthOptions.AllowAnonymous"/> says that is meant.
/// </summary>
/// <remarks>
/// Reads Auth:AllowAnonymous from configuration, the value <see cref="AuthOptions"/> binds, so the check does not depend
/// on whether the security feature registers its options before or after this door.
/// </remarks>
internal sealed class ZmqSecurityValidator(IConfiguration configuration) : IValidateOptions<ZmqOptions>
{
    private const string Section = $"{ZmqOptions.SectionName}:Curve";

    public ValidateOptionsResult Validate(string? name, ZmqOptions options)
    {
        var failures = new List<string>();
        var curve = options.Curve;
        var secretProblem = curve.Enabled ? Z85Key.Problem(curve.ServerSecretKey!) : null;
        if (secretProblem is not null)
            failures.Add($"{Section}:ServerSecretKey {secretProblem}. Make a key pair with `mq keygen`.");
        if (!string.IsNullOrEmpty(curve.ServerPublicKey))
            failures.AddRange(CheckServerPublicKey(curve, secretIsValid: secretProblem is null));
        if (curve.AllowedClientPublicKeys.Count > 0)
        {
            failures.Add($"{Section}:AllowedClientPublicKeys cannot be enforced: NetMQ 4.0.4.5 has no ZAP and never shows the server a "
                + "client's key, so every client that knows the server's public key is admitted whatever its own key. Remove the list, "
                + "and give the server's public key only to the clients that may connect.");
        }

        var exposed = new[] { options.ReplyEndpoint, options.PublishEndpoint }
            .FirstOrDefault(e => ZmqEndpointValidator.IsWellFormed(e) && !Exposure.IsLoopbackZmqEndpoint(e));
        if (exposed is not null && !curve.Enabled && !AllowAnonymous)
        {
            failures.Add($"The legacy ZeroMQ door binds {exposed}, which other machines can reach, and has no CurveZMQ key, so anyone "
                + "could post to any subject and read every update. Configure Zmq__Curve__ServerSecretKey (`mq keygen` makes a pair; "
                + "clients then need its public key), bind Zmq__ReplyEndpoint and Zmq__PublishEndpoint to tcp://127.0.0.1 only, or set "
                + "Auth__AllowAnonymous=true to run open on purpose.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private bool AllowAnonymous =>
        configuration.GetValue<bool>($"{AuthOptions.SectionName}:{nameof(AuthOptions.AllowAnonymous)}");

    private static IEnumerable<string> CheckServerPublicKey(ZmqCurveOptions curve, bool secretIsValid)
    {
        if (Z85Key.Problem(curve.ServerPublicKey!) is { } problem)
            yield return $"{Section}:ServerPublicKey {problem}.";
        else if (!curve.Enabled)
            yield return $"{Section}:ServerPublicKey is set but {Section}:ServerSecretKey is not: CurveZMQ needs the secret key.";
        else if (secretIsValid && NetMQCertificate.CreateFromSecretKey(curve.ServerSecretKey!).PublicKeyZ85 != curve.ServerPublicKey)
            yield return $"{Section}:ServerPublicKey is not the public key of {Section}:ServerSecretKey; leave it out to derive it.";
    }
}
