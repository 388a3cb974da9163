namespace MessageQueue.Client.Cli;

/// <summary>What scripts can tell apart by the exit code alone.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The server answered, and said no (unknown subject, invalid input it caught, ...).</summary>
    public const int Refused = 1;

    /// <summary>The command line or an input was wrong; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>No reply (or not enough updates) in time: the gateway is down, unreachable or overloaded.</summary>
    public const int NoReply = 3;
}
