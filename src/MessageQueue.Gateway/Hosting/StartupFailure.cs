using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Hosting;

/// <summary>
/// A start-up failure the user caused and can fix (a port in use, a folder that cannot be written, an endpoint that
/// cannot be bound): its message is one line naming the setting, its value and what to do. It carries no stack trace
/// (the message already says what the cause said), so the host's own log of the failure stays as short.
/// </summary>
public sealed class StartupFailureException(string setting, string value, string problem, string fix)
    : Exception($"{setting} is '{value}': {problem}. {fix}")
{
    public string Setting { get; } = setting;

    public override string? StackTrace => null;
}

public static class StartupFailure
{
    /// <summary>
    /// What to print for an exception that ended start-up, when the user can act on it: one line, or one line per
    /// setting the configuration check refused; null for the gateway's own faults, which keep their stack trace.
    /// </summary>
    public static string? Describe(Exception exception, IConfiguration configuration) => exception switch
    {
        StartupFailureException failure => failure.Message,
        OptionsValidationException invalid => "its configuration needs a change." + string.Concat(invalid.Failures.Select(f => $"\n  - {f}")),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0], configuration),
        // Kestrel: "Failed to bind to address http://127.0.0.1:5080: address already in use."
        IOException { InnerException: AddressInUseException } => HttpBindFailure(exception, configuration,
            "another program is already listening on that port (address already in use)",
            "Stop it, or choose another port, e.g. --urls http://127.0.0.1:5081 (or the Urls setting, ASPNETCORE_URLS)."),
        IOException { InnerException: SocketException { SocketErrorCode: SocketError.AddressNotAvailable } } => HttpBindFailure(exception, configuration,
            "this machine has no such address",
            "Listen on an address of this machine, e.g. --urls http://127.0.0.1:5080."),
        _ => null,
    };

    /// <summary>The failure for a ZeroMQ endpoint that could not be bound.</summary>
    public static StartupFailureException ZmqBindFailure(string setting, string endpoint, Exception cause)
    {
        var error = (cause as SocketException)?.SocketErrorCode;
        var (problem, fix) = error switch
        {
            SocketError.AddressAlreadyInUse => ("another program is already listening on that port (address already in use)",
                $"Stop it, or choose another port, e.g. {Variable(setting)}=tcp://127.0.0.1:0 for any free port."),
            SocketError.AddressNotAvailable => ("this machine has no such address", $"Bind an address of this machine, e.g. {Variable(setting)}=tcp://127.0.0.1:8080."),
            SocketError.AccessDenied => ("this user may not bind that port", "Choose a port above 1023, or run with the right to bind it."),
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ("its host name does not resolve to an address",
                $"Use an IP address, e.g. {Variable(setting)}=tcp://127.0.0.1:8080."),
            _ when cause is NetMQ.AddressAlreadyInUseException => ("another program is already using that address",
                "Stop it, or choose another endpoint."),
            _ => ($"it cannot be bound ({cause.Message.TrimEnd('.')})", "Choose another endpoint."),
        };
        return new StartupFailureException(setting, endpoint, problem, fix);
    }

    /// <summary>The environment variable that sets <paramref name="setting"/>.</summary>
    public static string Variable(string setting) => setting.Replace(":", "__", StringComparison.Ordinal);

    private static string HttpBindFailure(Exception exception, IConfiguration configuration, string problem, string fix)
    {
        const string prefix = "Failed to bind to address ";
        var message = exception.Message;
        var at = message.IndexOf(prefix, StringComparison.Ordinal);
        var address = at < 0 ? configuration["urls"] ?? configuration[HttpDefaults.DefaultUrlsKey] ?? "?"
            : message[(at + prefix.Length)..].Split(": ", 2)[0];
        var setting = !string.IsNullOrEmpty(configuration["urls"]) ? "Urls"
            : !string.IsNullOrEmpty(configuration["http_ports"]) ? "ASPNETCORE_HTTP_PORTS"
            : HttpDefaults.DefaultUrlsKey;
        return new StartupFailureException(setting, address, problem, fix).Message;
    }
}
