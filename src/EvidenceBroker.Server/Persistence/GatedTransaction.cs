using Microsoft.EntityFrameworkCore.Storage;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// A transaction that holds a gate for its whole life and lets go when it is disposed. SQLite has one writer at a
/// time; queueing writers here, in order, is far cheaper than letting them spin on the database's busy lock.
/// </summary>
internal sealed class GatedTransaction(IDbContextTransaction inner, SemaphoreSlim gate) : IDbContextTransaction
{
    private int released;

    public Guid TransactionId => inner.TransactionId;

    public bool SupportsSavepoints => inner.SupportsSavepoints;

    public void Commit() => inner.Commit();

    public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

    public void Rollback() => inner.Rollback();

    public Task RollbackAsync(CancellationToken cancellationToken = default) => inner.RollbackAsync(cancellationToken);

    public void CreateSavepoint(string name) => inner.CreateSavepoint(name);

    public Task CreateSavepointAsync(string name, CancellationToken cancellationToken = default) => inner.CreateSavepointAsync(name, cancellationToken);

    public void RollbackToSavepoint(string name) => inner.RollbackToSavepoint(name);

    public Task RollbackToSavepointAsync(string name, CancellationToken cancellationToken = default) =>
        inner.RollbackToSavepointAsync(name, cancellationToken);

    public void ReleaseSavepoint(string name) => inner.ReleaseSavepoint(name);

    public Task ReleaseSavepointAsync(string name, CancellationToken cancellationToken = default) =>
        inner.ReleaseSavepointAsync(name, cancellationToken);

    public void Dispose()
    {
        try
        {
            inner.Dispose();
        }
        finally
        {
            Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync();
        }
        finally
        {
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            gate.Release();
        }
    }
}
