using MessageQueue.Client.Cli;

namespace MessageQueue.Client.Connection;

/// <summary>
/// A failure the user should read, with the exit code that tells scripts what kind it was. Commands print the
/// message and exit; the menu prints it and carries on.
/// </summary>
internal class ClientFailure(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The server answered with an error; <see cref="Exception.Message"/> is its text.</summary>
internal sealed class ServerRefusal(string reply) : ClientFailure(reply, ExitCodes.Refused);

/// <summary>Something typed in was refused before anything was sent.</summary>
internal sealed class InvalidInput(string message) : ClientFailure(message, ExitCodes.Usage);

/// <summary>The server did not answer within the time allowed.</summary>
internal sealed class NoReply(string endpoint, TimeSpan timeout)
    : ClientFailure($"no reply from {endpoint} within {Seconds.Format(timeout)}", ExitCodes.NoReply);
