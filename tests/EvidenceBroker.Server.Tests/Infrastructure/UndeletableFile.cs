using System.Diagnostics;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// A file the broker cannot delete until this is disposed, as a permission or a disk fault would leave it. Without
/// privileges, its folder is made read-only; root ignores permissions, so for root the file is marked immutable
/// (<c>chattr +i</c>), which stops root too. Nothing is deleted by a file's path alone deterministically otherwise:
/// a directory at the path is not a file, and <c>File.Delete</c> of a path that is gone does nothing.
/// </summary>
public sealed class UndeletableFile : IDisposable
{
    private static readonly Lazy<string?> Probe = new(ProbeOnce);
    private readonly string? immutable; // the file, marked immutable
    private readonly (string Path, UnixFileMode Mode)? readOnlyFolder; // the folder, and its mode before

    private UndeletableFile(string? immutable, (string Path, UnixFileMode Mode)? readOnlyFolder)
    {
        this.immutable = immutable;
        this.readOnlyFolder = readOnlyFolder;
    }

    /// <summary>Why no file can be made undeletable on this machine; null if one can.</summary>
    public static string? Unavailable => Probe.Value;

    public static UndeletableFile Make(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Files are made undeletable by Unix means only.");
        }

        if (Environment.IsPrivilegedProcess)
        {
            Chattr("+i", path);
            return new UndeletableFile(path, null);
        }

        var folder = Path.GetDirectoryName(path)!;
        var mode = File.GetUnixFileMode(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return new UndeletableFile(null, (folder, mode));
    }

    public void Dispose()
    {
        if (immutable is not null)
        {
            Chattr("-i", immutable);
        }

        if (readOnlyFolder is { } folder && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder.Path, folder.Mode);
        }
    }

    private static string? ProbeOnce()
    {
        var folder = Directory.CreateTempSubdirectory("eb-undeletable-").FullName;
        var file = Path.Combine(folder, "probe");
        try
        {
            File.WriteAllBytes(file, []);
            using (Make(file))
            {
                try
                {
                    File.Delete(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return null;
                }
            }

            return "A file made undeletable was deleted all the same.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException or System.ComponentModel.Win32Exception)
        {
            return $"No file can be made undeletable here: {e.Message}";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Chattr(string flag, string path)
    {
        using var chattr = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
        var error = chattr.StandardError.ReadToEnd();
        chattr.WaitForExit();
        if (chattr.ExitCode != 0)
        {
            throw new InvalidOperationException($"chattr {flag} {path}: {error.Trim()}");
        }
    }
}

/// <summary>A test that needs a file the broker cannot delete (<see cref="UndeletableFile"/>); skipped where none can be made.</summary>
public sealed class UndeletableFileFactAttribute : FactAttribute
{
    public UndeletableFileFactAttribute()
    {
        if (UndeletableFile.Unavailable is { } why)
        {
            Skip = why;
        }
    }
}
