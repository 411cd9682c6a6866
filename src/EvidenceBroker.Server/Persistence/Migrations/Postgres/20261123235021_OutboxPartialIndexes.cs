using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OutboxPartialIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_outbox_ClaimToken",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "IX_outbox_DeadAt",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "IX_outbox_DeliveredAt_DeadAt_NextAttemptAt",
                table: "outbox");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_claimed",
                table: "outbox",
                column: "ClaimToken",
                filter: "\"ClaimToken\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_dead",
                table: "outbox",
                column: "Id",
                filter: "\"DeadAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_delivered",
                table: "outbox",
                column: "DeliveredAt",
                filter: "\"DeliveredAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_pending",
                table: "outbox",
                column: "NextAttemptAt",
                filter: "\"DeliveredAt\" IS NULL AND \"DeadAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_claimed",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "ix_outbox_dead",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "ix_outbox_delivered",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "ix_outbox_pending",
                table: "outbox");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_ClaimToken",
                table: "outbox",
                column: "ClaimToken");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_DeadAt",
                table: "outbox",
                column: "DeadAt");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_DeliveredAt_DeadAt_NextAttemptAt",
                table: "outbox",
                columns: new[] { "DeliveredAt", "DeadAt", "NextAttemptAt" });
        }
    }
}
