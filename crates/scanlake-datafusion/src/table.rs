//! The `files` table: a DataFusion [`TableProvider`] over exactly the data files a dataset's
//! manifest lists (never a directory listing, which could see a commit in progress), with the
//! partition columns `acq` (DATE) and `tld` (text as reports show it) taken from the manifest.
//! DataFusion reads each file through [`CheckedReaders`]: the footer scanlake opened and checked,
//! and every byte through [`integrity::CheckedFile`], so a query checks exactly the column chunks
//! it reads, as it reads them, like the streaming engine.

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Result, ScalarValue, project_schema};
use datafusion::datasource::TableType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::ParquetFileReaderFactory;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use futures::future::BoxFuture;
use object_store::ObjectMeta;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::file::metadata::ParquetMetaData;
use scanlake::dataset::integrity;
use scanlake::dataset::view::{DataFile, Partition};
use std::sync::Arc;

#[derive(Debug)]
pub struct FilesTable {
    /// Columns of the data files (the union over all files), then `acq` and `tld`.
    schema: SchemaRef,
    file_schema: SchemaRef,
    /// Each with its footer, checked against the manifest ([`integrity::Opened`], an extension).
    files: Vec<PartitionedFile>,
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
            files.push(
                PartitionedFile::new_from_meta(meta)
                    .with_partition_values(vec![
                        ScalarValue::Date32(Some(p.acq.days_since_epoch() as i32)),
                        ScalarValue::Utf8(Some(p.tld_text.clone())),
                    ])
                    .with_extension(o.clone()),
            );
        }
        // Every known column, so that SQL may name one no file has (it reads as null).
        let known = scanlake::convert::dataset_schema(&scanlake::format::Layout::default());
        schemas.push(Schema::new(
            known.fields().iter().map(|f| f.as_ref().clone().with_metadata(Default::default())).collect::<Vec<_>>(),
        ));
        let file_schema = Arc::new(Schema::try_merge(schemas)?);
        let mut fields: Vec<Field> = file_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.extend(partition_fields());
        Ok(FilesTable { schema: Arc::new(Schema::new(fields)), file_schema, files })
    }
}

/// DataFusion's readers of the table's files: each reads the footer scanlake opened (no second
/// read of it) and its bytes through [`integrity::CheckedFile`].
#[derive(Debug)]
struct CheckedReaders;

impl ParquetFileReaderFactory for CheckedReaders {
    fn create_reader(
        &self,
        _partition_index: usize,
        file: PartitionedFile,
        _metadata_size_hint: Option<usize>,
        _metrics: &ExecutionPlanMetricsSet,
    ) -> Result<Box<dyn AsyncFileReader + Send>> {
        let opened = file.extension::<integrity::Opened>().ok_or_else(|| {
            datafusion::error::DataFusionError::Internal(format!("{} was not opened by scanlake", file.path()))
        })?;
        let source = opened.source().map_err(|e| datafusion::error::DataFusionError::External(e.into()))?;
        Ok(Box::new(CheckedReader { source, metadata: opened.metadata.clone() }))
    }
}

/// One file for DataFusion's Parquet reader. Local files: reads block briefly, as decoding does.
struct CheckedReader {
    source: integrity::CheckedFile,
    metadata: Arc<ParquetMetaData>,
}

impl AsyncFileReader for CheckedReader {
    fn get_bytes(&mut self, range: std::ops::Range<u64>) -> BoxFuture<'_, parquet::errors::Result<bytes::Bytes>> {
        Box::pin(futures::future::ready(self.source.read_range(range)))
    }

    fn get_metadata<'a>(
        &'a mut self,
        _options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        Box::pin(futures::future::ready(Ok(self.metadata.clone())))
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
        let table_schema = TableSchema::builder(self.file_schema.clone())
            .with_table_partition_cols(partition_fields().map(Arc::new).to_vec())
            .build();
        let source = ParquetSource::new(table_schema)
            .with_table_parquet_options(state.table_options().parquet.clone())
            .with_parquet_file_reader_factory(Arc::new(CheckedReaders));
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), Arc::new(source))
            .with_file_groups(groups.into_iter().map(|g| FileGroup::new(g.1)).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        // DataFusion keeps every filter above the scan and prunes row groups with it.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }
}
