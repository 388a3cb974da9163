using MessageQueue.Client.Connection;

namespace MessageQueue.Client.Cli;

/// <summary>Turns a command's outcome into an exit code: failures the user should read go to stderr, one line.</summary>
internal static class CommandRunner
{
    public static int Run(Action command)
    {
        try
        {
            command();
            return ExitCodes.Success;
        }
        catch (ClientFailure failure)
        {
            Console.Error.WriteLine($"mq: {failure.Message}");
            return failure.ExitCode;
        }
    }

    public static async Task<int> RunAsync(Func<Task> command)
    {
        try
        {
            await command();
            return ExitCodes.Success;
        }
        catch (ClientFailure failure)
        {
            await Console.Error.WriteLineAsync($"mq: {failure.Message}");
            return failure.ExitCode;
        }
    }
}
