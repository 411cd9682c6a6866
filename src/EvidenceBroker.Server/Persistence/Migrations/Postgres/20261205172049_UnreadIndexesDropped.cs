using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UnreadIndexesDropped : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_decisions_Outcome_DecidedAt",
                table: "decisions");

            migrationBuilder.DropIndex(
                name: "ix_deadlines_open_due",
                table: "deadlines");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_decisions_Outcome_DecidedAt",
                table: "decisions",
                columns: new[] { "Outcome", "DecidedAt" });

            migrationBuilder.CreateIndex(
                name: "ix_deadlines_open_due",
                table: "deadlines",
                column: "DueAt",
                filter: "\"CompletedAt\" IS NULL");
        }
    }
}
