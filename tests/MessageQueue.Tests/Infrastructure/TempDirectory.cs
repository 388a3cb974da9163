namespace MessageQueue.Tests.Infrastructure;

/// <summary>A fresh directory for one test's data, removed afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mq-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file lets go shortly; the temp folder is cleaned by the system anyway.
        }
    }
}
