using System.ComponentModel.DataAnnotations;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Security;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Shared;
using Microsoft.Extensions.Options;
using NetMQ;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// Checks every ingest source at start, one line per mistake naming the setting: its kind, endpoints, subject rule and
/// payload; a <c>sub</c> source pointed at this gateway's own PUB endpoint (a loop); a <c>pull</c> source bound where
/// other machines reach it without CurveZMQ (protected mode, as for the legacy door, whose key it shares); a <c>sub</c>
/// source's CurveZMQ keys.
/// </summary>
/// <remarks>Reads the legacy door's settings from configuration, as <see cref="ZmqSecurityValidator"/> does, so the order in which features register does not matter.</remarks>
internal sealed class IngestOptionsValidator(IConfiguration configuration, SubjectValidator subjects) : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Sources.Count; i++)
        {
            var source = options.Sources[i];
            var key = $"{IngestOptions.SectionName}:{nameof(IngestOptions.Sources)}:{i}";
            Check(source, key, failures);
            if (!string.IsNullOrEmpty(source.Name) && !names.Add(source.Name))
                failures.Add($"{key}:Name '{source.Name}' is the name of another source: each source needs its own (it tells them apart in metrics and logs).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void Check(IngestSourceOptions source, string key, List<string> failures)
    {
        var annotations = new List<ValidationResult>();
        Validator.TryValidateObject(source, new ValidationContext(source), annotations, validateAllProperties: true);
        failures.AddRange(annotations.SelectMany(r => r.MemberNames.Select(m => $"{key}:{m} {r.ErrorMessage}.")));

        var isSub = string.Equals(source.Kind, IngestSourceOptions.KindSub, StringComparison.OrdinalIgnoreCase);
        if (!isSub && !source.IsPull)
            failures.Add($"{key}:Kind is '{source.Kind}': write sub (connect a SUB socket to a service's PUB endpoint) or pull (bind a PULL socket that PUSH services connect to).");
        if (!source.IsBase64 && !string.Equals(source.Payload, IngestSourceOptions.PayloadText, StringComparison.OrdinalIgnoreCase))
            failures.Add($"{key}:Payload is '{source.Payload}': write text (UTF-8) or base64 (any bytes, stored as base64 text).");
        if (!source.IsPushpin && !string.Equals(source.Format, IngestSourceOptions.FormatPlain, StringComparison.OrdinalIgnoreCase))
            failures.Add($"{key}:Format is '{source.Format}': write plain ([topic, payload] frames) or pushpin (Pushpin's ZeroMQ publish format, J + a JSON item).");

        var endpoints = source.AllEndpoints.ToList();
        if (endpoints.Count == 0)
            failures.Add($"{key}:Endpoint is missing: write tcp://host:port, e.g. {Variable(key)}__Endpoint=tcp://127.0.0.1:5556.");
        foreach (var endpoint in endpoints.Where(e => !ZmqEndpointValidator.IsWellFormed(e)))
            failures.Add($"{key}:Endpoint '{endpoint}' is not a ZeroMQ endpoint: write tcp://host:port, e.g. tcp://127.0.0.1:5556.");
        if (source.IsPull)
            CheckPull(source, key, endpoints, failures);
        else if (isSub)
            CheckSub(key, endpoints, failures);
        CheckCurve(source, key, isSub, failures);

        if (!string.IsNullOrEmpty(source.Subject))
        {
            if (subjects.CheckName(source.Subject) is { } invalid)
                failures.Add($"{key}:Subject '{source.Subject}' cannot name a subject: {invalid.Message}");
            if (!string.IsNullOrEmpty(source.SubjectPrefix) || !string.IsNullOrEmpty(source.StripTopicPrefix))
                failures.Add($"{key}:SubjectPrefix and StripTopicPrefix shape subjects named by topics; {key}:Subject names one fixed subject: set one or the other.");
        }
        else if (!string.IsNullOrEmpty(source.SubjectPrefix) && subjects.CheckName(source.SubjectPrefix + "a") is not null)
        {
            failures.Add($"{key}:SubjectPrefix '{source.SubjectPrefix}' cannot start a subject name: it starts with a letter or digit and uses only letters, digits, '.', '_' and '-'.");
        }
    }

    private void CheckPull(IngestSourceOptions source, string key, List<string> endpoints, List<string> failures)
    {
        if (endpoints.Count > 1)
            failures.Add($"{key}:Endpoints: a pull source binds one endpoint; make one source per endpoint.");
        if (source.Topics.Count > 0)
            failures.Add($"{key}:Topics are subscriptions, for sub sources; a pull source takes every message pushed to it.");
        var exposed = endpoints.FirstOrDefault(e => ZmqEndpointValidator.IsWellFormed(e) && !Exposure.IsLoopbackZmqEndpoint(e));
        var curve = !string.IsNullOrEmpty(configuration[$"{ZmqOptions.SectionName}:Curve:{nameof(ZmqCurveOptions.ServerSecretKey)}"]);
        if (exposed is not null && !curve && !configuration.GetValue<bool>($"{AuthOptions.SectionName}:{nameof(AuthOptions.AllowAnonymous)}"))
        {
            failures.Add($"{key}:Endpoint binds {exposed}, which other machines can reach, without CurveZMQ, so anyone could post to subjects through it. "
                + "Configure Zmq__Curve__ServerSecretKey (pull sources share the legacy door's key), bind tcp://127.0.0.1 only, or set Auth__AllowAnonymous=true to run open on purpose.");
        }
    }

    private void CheckSub(string key, List<string> endpoints, List<string> failures)
    {
        var ownPublisher = configuration[$"{ZmqOptions.SectionName}:{nameof(ZmqOptions.PublishEndpoint)}"] ?? new ZmqOptions().PublishEndpoint;
        foreach (var endpoint in endpoints.Where(e => ZmqEndpointValidator.IsWellFormed(e)))
        {
            if (OwnEndpoint.IsSame(endpoint, ownPublisher))
                failures.Add(LoopMessage(key, endpoint));
            else if (endpoint.EndsWith(":0", StringComparison.Ordinal))
                failures.Add($"{key}:Endpoint '{endpoint}' has port 0: a sub source connects, so it needs the publisher's real port.");
        }
    }

    /// <summary>Z85 keys of 40 characters, for sub sources only; a public key needs its secret key and must be its own.</summary>
    private static void CheckCurve(IngestSourceOptions source, string key, bool isSub, List<string> failures)
    {
        (string Name, string? Value)[] keys =
        [
            (nameof(IngestSourceOptions.CurveServerKey), source.CurveServerKey),
            (nameof(IngestSourceOptions.CurveSecretKey), source.CurveSecretKey),
            (nameof(IngestSourceOptions.CurvePublicKey), source.CurvePublicKey),
        ];
        if (!keys.Any(k => !string.IsNullOrEmpty(k.Value)))
            return;
        if (!isSub)
        {
            failures.Add($"{key}:CurveServerKey, CurveSecretKey and CurvePublicKey are for sub sources (the gateway as a CurveZMQ client of a publisher); "
                + "a pull source is a CurveZMQ server with the legacy door's key, Zmq:Curve:ServerSecretKey.");
            return;
        }
        var valid = true;
        foreach (var (name, value) in keys)
        {
            if (!string.IsNullOrEmpty(value) && Z85Key.Problem(value) is { } problem)
            {
                failures.Add($"{key}:{name} {problem}.");
                valid = false;
            }
        }
        if (string.IsNullOrEmpty(source.CurveServerKey))
            failures.Add($"{key}:CurveServerKey is missing: a client key pair is used only with the publisher's public key (CurveServerKey).");
        else if (!string.IsNullOrEmpty(source.CurvePublicKey) && string.IsNullOrEmpty(source.CurveSecretKey))
            failures.Add($"{key}:CurvePublicKey is set but {key}:CurveSecretKey is not: the public key is checked against the secret key; set both, or neither for a new pair at each start.");
        else if (valid && !string.IsNullOrEmpty(source.CurvePublicKey)
            && NetMQCertificate.CreateFromSecretKey(source.CurveSecretKey!).PublicKeyZ85 != source.CurvePublicKey)
            failures.Add($"{key}:CurvePublicKey is not the public key of {key}:CurveSecretKey; leave it out to derive it.");
    }

    public static string LoopMessage(string key, string endpoint) =>
        $"{key}:Endpoint '{endpoint}' is this gateway's own publish endpoint (Zmq:PublishEndpoint): every update would come back as a new one, without end. Point the source at another service's PUB socket.";

    private static string Variable(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}
