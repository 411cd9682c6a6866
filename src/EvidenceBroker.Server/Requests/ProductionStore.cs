using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// Keeps production packages on disk, outside the database, hashing them as they stream in so that the
/// recorded SHA-256 is of exactly the bytes stored.
/// </summary>
public sealed class ProductionStore(IOptions<StorageOptions> options)
{
    private string Root => Path.GetFullPath(options.Value.Root);

    public long MaxBytes => options.Value.MaxProductionBytes;

    public async Task<(string RelativePath, long Size, string Sha256)> SaveAsync(Guid requestId, Guid productionId, Stream body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        var relative = Path.Combine(requestId.ToString("N"), productionId.ToString("N") + ".bin");
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var buffer = new byte[81920];
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                size += read;
                if (size > MaxBytes)
                {
                    throw new BadHttpRequestException($"A production may be at most {MaxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }

            await file.FlushAsync(ct);

            // On the disk, not only handed to the operating system: the production is recorded (and acknowledged) next,
            // and a host that crashes after that must not come back with the record and a short or missing file.
            file.Flush(flushToDisk: true);
        }
        catch
        {
            Delete(relative);
            throw;
        }

        return (relative, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>
    /// The packages on disk last written before <paramref name="before"/>, by production id: what the retention sweep
    /// holds against the recorded productions to find files whose production was never recorded (the node stopped
    /// between storing a package and recording it). The storage root must belong to one broker deployment: another
    /// deployment's packages there have no production in this database.
    /// </summary>
    public IEnumerable<(Guid ProductionId, string RelativePath)> StoredBefore(DateTimeOffset before)
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.bin"))
            {
                if (Guid.TryParseExact(Path.GetFileNameWithoutExtension(file), "N", out var productionId)
                    && File.GetLastWriteTimeUtc(file) < before.UtcDateTime)
                {
                    yield return (productionId, Path.GetRelativePath(Root, file));
                }
            }
        }
    }

    /// <summary>Whether the package is still there and was last written before <paramref name="before"/>.</summary>
    public bool WrittenBefore(string relativePath, DateTimeOffset before)
    {
        var file = new FileInfo(Path.Combine(Root, relativePath));
        return file.Exists && file.LastWriteTimeUtc < before.UtcDateTime;
    }

    public Stream Open(string relativePath) =>
        new FileStream(Path.Combine(Root, relativePath), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);

    public void Delete(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
