//! The `files` table: a DataFusion [`TableProvider`] over exactly the data files a dataset's
//! manifest lists (never a directory listing, which could see a commit in progress), with the
//! partition columns `acq` (DATE) and `tld` (text as reports show it) taken from the manifest.

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Result, ScalarValue, project_schema};
use datafusion::datasource::TableType;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use object_store::ObjectMeta;
use scanlake::dataset::integrity;
use scanlake::dataset::view::{DataFile, Partition};
use std::sync::Arc;

#[derive(Debug)]
pub struct FilesTable {
    /// Columns of the data files (the union over all files), then `acq` and `tld`.
    schema: SchemaRef,
    file_schema: SchemaRef,
    files: Vec<PartitionedFile>,
    /// Each file's footer, checked against the manifest: a scan checks the column chunks it will
    /// read before DataFusion reads them ([`scanlake::dataset::integrity`]).
    opened: Vec<integrity::Opened>,
}

impl FilesTable {
    /// A table over the files of `partitions`.
    pub fn new(partitions: &[&Partition]) -> anyhow::Result<FilesTable> {
        use rayon::prelude::*;
        let mut schemas = Vec::new();
        let mut files = Vec::new();
        let all: Vec<(&Partition, &DataFile)> =
            partitions.iter().flat_map(|p| p.files.iter().map(move |f| (*p, f))).collect();
        let opened: Vec<integrity::Opened> = all
            .par_iter()
            .map(|(_, f)| integrity::open(&f.path, f.checksum.as_ref()))
            .collect::<anyhow::Result<_>>()?;
        for ((p, f), o) in all.iter().zip(&opened) {
            let meta = o.reader_metadata(Default::default())?;
            // The link column is the streaming engine's shortcut to the identity columns, which
            // SQL has: not part of the table.
            let fields: Vec<Field> = meta
                .schema()
                .fields()
                .iter()
                .filter(|f| f.name() != scanlake::dataset::writer::LINK_COLUMN)
                .map(|f| f.as_ref().clone().with_metadata(Default::default()))
                .collect();
            schemas.push(Schema::new(fields));
            let meta = ObjectMeta {
                location: object_store::path::Path::from_absolute_path(std::path::absolute(&f.path)?)?,
                last_modified: chrono::DateTime::<chrono::Utc>::default(),
                size: f.bytes,
                e_tag: None,
                version: None,
            };
            files.push(PartitionedFile::new_from_meta(meta).with_partition_values(vec![
                ScalarValue::Date32(Some(p.acq.days_since_epoch() as i32)),
                ScalarValue::Utf8(Some(p.tld_text.clone())),
            ]));
        }
        // Every known column, so that SQL may name one no file has (it reads as null).
        let known = scanlake::convert::dataset_schema(&scanlake::format::Layout::default());
        schemas.push(Schema::new(
            known.fields().iter().map(|f| f.as_ref().clone().with_metadata(Default::default())).collect::<Vec<_>>(),
        ));
        let file_schema = Arc::new(Schema::try_merge(schemas)?);
        let mut fields: Vec<Field> = file_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.extend(partition_fields());
        Ok(FilesTable { schema: Arc::new(Schema::new(fields)), file_schema, files, opened })
    }
}

impl FilesTable {
    /// Checks the column chunks of the file columns a scan projects (every column without a
    /// projection), in parallel, against the digests in each file's footer.
    fn check_columns(&self, projection: Option<&Vec<usize>>) -> Result<()> {
        use rayon::prelude::*;
        let fields = self.file_schema.fields();
        let columns: Vec<&str> = match projection {
            Some(p) => p.iter().filter(|&&i| i < fields.len()).map(|&i| fields[i].name().as_str()).collect(),
            None => fields.iter().map(|f| f.name().as_str()).collect(),
        };
        self.opened
            .par_iter()
            .filter(|o| o.checks_chunks())
            .try_for_each(|o| o.check_columns(&columns))
            .map_err(|e| datafusion::error::DataFusionError::External(e.into()))
    }
}

fn partition_fields() -> [Field; 2] {
    [Field::new("acq", DataType::Date32, false), Field::new("tld", DataType::Utf8, false)]
}

#[async_trait]
impl TableProvider for FilesTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if self.files.is_empty() {
            return Ok(Arc::new(EmptyExec::new(project_schema(&self.schema, projection)?)));
        }
        self.check_columns(projection)?;
        // Spread files over the target partitions, largest first onto the emptiest group.
        let groups_wanted = state.config().target_partitions().max(1).min(self.files.len());
        let mut order: Vec<&PartitionedFile> = self.files.iter().collect();
        order.sort_by_key(|f| std::cmp::Reverse(f.object_meta.size));
        let mut groups: Vec<(u64, Vec<PartitionedFile>)> = vec![(0, Vec::new()); groups_wanted];
        for f in order {
            let g = groups.iter_mut().min_by_key(|g| g.0).expect("at least one group");
            g.0 += f.object_meta.size;
            g.1.push(f.clone());
        }
        let format = ParquetFormat::default();
        let table_schema = TableSchema::builder(self.file_schema.clone())
            .with_table_partition_cols(partition_fields().map(Arc::new).to_vec())
            .build();
        let source = format.file_source(table_schema);
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), source)
            .with_file_groups(groups.into_iter().map(|g| FileGroup::new(g.1)).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        format.create_physical_plan(state, config).await
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        // DataFusion keeps every filter above the scan and prunes row groups with it.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }
}
