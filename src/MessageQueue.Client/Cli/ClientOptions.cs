using System.CommandLine;
using System.CommandLine.Parsing;
using MessageQueue.Client.Connection;
using MessageQueue.Shared;

namespace MessageQueue.Client.Cli;

/// <summary>
/// The options several commands share. Endpoints default to the legacy ports, or MQ_SERVER / MQ_PUBLISHER; CurveZMQ keys
/// come from the command line or MQ_SERVER_KEY / MQ_CLIENT_SECRET_KEY (a secret is better kept off command lines).
/// </summary>
internal static class ClientOptions
{
    public const string DefaultServer = "tcp://127.0.0.1:8080";
    public const string DefaultPublisher = "tcp://127.0.0.1:5000";
    public const double DefaultRequestTimeoutSeconds = 5;
    private const double MaxSeconds = 86_400 * 365;

    public static readonly Option<string> Server = Endpoint("--server", "MQ_SERVER", DefaultServer, "Where requests go (the gateway's REP endpoint).");

    public static readonly Option<string> Publisher = Endpoint("--publisher", "MQ_PUBLISHER", DefaultPublisher, "Where updates come from (the gateway's PUB endpoint).");

    public static readonly Option<string?> ServerKey = Key(
        "--server-key", "MQ_SERVER_KEY", "The gateway's CurveZMQ public key (Z85, as `mq keygen` prints it): requests and updates then use CurveZMQ.");

    public static readonly Option<string?> ClientSecretKey = Key(
        "--client-secret-key", "MQ_CLIENT_SECRET_KEY", "This client's CurveZMQ secret key (Z85), used with --server-key; without it each run makes a fresh key pair.");

    /// <summary>The CurveZMQ keys to connect with, or null when no server key is given (plain sockets).</summary>
    public static CurveKeys? Curve(ParseResult parse) =>
        parse.GetValue(ServerKey) is { } serverKey ? CurveKeys.From(serverKey, parse.GetValue(ClientSecretKey)) : null;

    /// <summary>A new option per command: a symbol belongs to one place in the command tree.</summary>
    public static Option<double> RequestTimeout()
    {
        var option = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the server's reply.",
            HelpName = "seconds",
            DefaultValueFactory = _ => DefaultRequestTimeoutSeconds,
        };
        option.Validators.Add(result => CheckSeconds(result, result.GetValueOrDefault<double>()));
        return option;
    }

    /// <summary>A duration in seconds that TimeSpan can hold, with room for adding it to the current time.</summary>
    public static void CheckSeconds(OptionResult result, double? seconds)
    {
        if (seconds is not null && !(seconds > 0 && seconds <= MaxSeconds))
            result.AddError($"{result.Option.Name} must be a number of seconds above 0 and at most {MaxSeconds}.");
    }

    private static Option<string> Endpoint(string name, string environmentVariable, string fallback, string description)
    {
        var option = new Option<string>(name)
        {
            Description = $"{description} Falls back to ${environmentVariable}, then {fallback}.",
            HelpName = "endpoint",
            Recursive = true,
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : fallback,
        };
        option.Validators.Add(result => CheckEndpoint(result, name));
        return option;
    }

    private static Option<string?> Key(string name, string environmentVariable, string description)
    {
        var option = new Option<string?>(name)
        {
            Description = $"{description} Falls back to ${environmentVariable}.",
            HelpName = "z85",
            Recursive = true,
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } key && Z85Key.Problem(key) is { } problem)
                result.AddError($"{name} (or ${environmentVariable}) {problem}.");
        });
        return option;
    }

    private static void CheckEndpoint(OptionResult result, string name)
    {
        var endpoint = result.GetValueOrDefault<string>() ?? "";
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != "tcp" || uri.Port <= 0)
            result.AddError($"{name} must look like tcp://host:port, not '{endpoint}'.");
    }
}
