using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Legacy;

/// <summary>Refuses an endpoint that is not one ZeroMQ could bind, naming the setting and a correct example.</summary>
internal sealed class ZmqEndpointValidator : IValidateOptions<ZmqOptions>
{
    public ValidateOptionsResult Validate(string? name, ZmqOptions options)
    {
        var failures = new List<string>();
        Check(nameof(ZmqOptions.ReplyEndpoint), options.ReplyEndpoint, "tcp://127.0.0.1:8080", failures);
        Check(nameof(ZmqOptions.PublishEndpoint), options.PublishEndpoint, "tcp://127.0.0.1:5000", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Whether <paramref name="endpoint"/> is tcp://host:port (port 0-65535), ipc://path or inproc://name.</summary>
    public static bool IsWellFormed(string? endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
            return false;
        if (endpoint.StartsWith("ipc://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("inproc://", StringComparison.OrdinalIgnoreCase))
            return endpoint.IndexOf("://", StringComparison.Ordinal) + 3 < endpoint.Length;
        if (!endpoint.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
            return false;
        var authority = endpoint["tcp://".Length..];
        var colon = authority.LastIndexOf(':');
        return colon > 0
            && int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port <= IPEndPoint.MaxPort
            && !authority[..colon].Any(c => char.IsWhiteSpace(c) || c == '/');
    }

    private static void Check(string property, string endpoint, string example, List<string> failures)
    {
        if (!IsWellFormed(endpoint))
        {
            failures.Add($"{ZmqOptions.SectionName}:{property} is '{endpoint}', which is not a ZeroMQ endpoint: write tcp://host:port "
                + $"(port 0 to 65535, * for every interface), e.g. {ZmqOptions.SectionName}__{property}={example}.");
        }
    }
}
