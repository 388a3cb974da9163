using Microsoft.Extensions.Options;
using NetMQ;

namespace MessageQueue.Gateway.Legacy;

/// <summary>Checks the CurveZMQ keys: a key that cannot work, or a promise NetMQ cannot keep, stops start-up.</summary>
internal sealed class ZmqSecurityValidator : IValidateOptions<ZmqOptions>
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
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

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
